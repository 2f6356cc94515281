#include "rotation/file_store.hpp"

#include "util/files.hpp"

namespace rotor::rotation {

std::optional<std::string> FileStore::load(Snapshot& out) {
  std::string error;
  if (!out_.empty() && file_exists(record_path())) {
    auto text = read_secret_file(record_path(), error);
    if (!text) return error;
    if (!text->empty() && text->reveal().front() == '{') {
      auto record = from_json(text->reveal(), error);
      if (!record)
        return record_path() + ": " + error +
               "; it may hold a password the cloud "
               "took: fix or remove it by hand";
      out.record = std::move(*record);
    } else {
      // Not a record: written by rotor 0.1, the bare pending password of a run that may have
      // applied it (a password may start with '{' too).
      RotationRecord legacy;
      legacy.phase = Phase::kPrepared;
      legacy.pending = std::move(*text);
      out.record = std::move(legacy);
    }
  }
  if (!old_.empty()) {
    auto current = read_secret_file(old_, error);
    if (!current) return error;
    if (!current->empty()) out.current = std::move(*current);
  }
  // A run killed between writing OUT and removing OUT.pending: the commit happened.
  if (out.record && out.record->pending && file_exists(out_)) {
    auto written = read_secret_file(out_, error);
    if (written && *written == *out.record->pending) out.current = std::move(*written);
  }
  return std::nullopt;
}

std::optional<std::string> FileStore::save(const RotationRecord& record) {
  const bool worth_keeping = record.in_flight() || !record.blocked_on.empty() ||
                             record.reset_unsupported || record.locked_until.has_value();
  if (out_.empty()) return std::nullopt;  // a password-free reset: nothing to keep
  if (!worth_keeping) return durable_remove(record_path());
  return replace_private_file(record_path(), Secret(to_json(record)));
}

std::optional<std::string> FileStore::commit(const RotationRecord& record) {
  if (out_.empty()) return std::nullopt;
  return replace_private_file(out_, record.pending.value_or(Secret()));
}

}  // namespace rotor::rotation

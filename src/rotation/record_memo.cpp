#include "rotation/record_memo.hpp"

namespace rotor::rotation {

void RecordMemo::put(const std::string& key, const RotationRecord& r) {
  std::lock_guard lock(mu_);
  records_[key] = r;
}

std::optional<RotationRecord> RecordMemo::take_if_newer(const std::string& key,
                                                        std::uint64_t stored_seq) {
  std::lock_guard lock(mu_);
  auto it = records_.find(key);
  if (it == records_.end()) return std::nullopt;
  std::optional<RotationRecord> newer;
  if (it->second.seq > stored_seq) newer = it->second;
  records_.erase(it);
  return newer;
}

}  // namespace rotor::rotation

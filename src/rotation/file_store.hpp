#pragma once
// `rotor rotate`'s RotationStore: the record lives in OUT.pending (JSON, mode 0600), the
// new password is committed to OUT, and the current password is read from the old-password
// file. OUT.pending is kept while a rotation is in flight (it holds the pending password)
// or while a block or a learned fact must outlive the run (then it holds no password), so a
// script that runs `rotor rotate` in a loop cannot walk an instance into its lockout.
#include <string>

#include "rotation/store.hpp"

namespace rotor::rotation {

class FileStore final : public RotationStore {
 public:
  FileStore(std::string out_path, std::string old_password_path)
      : out_(std::move(out_path)), old_(std::move(old_password_path)) {}

  std::string record_path() const { return out_ + ".pending"; }

  std::optional<std::string> load(Snapshot& out) override;
  std::optional<std::string> save(const RotationRecord& record) override;
  std::optional<std::string> commit(const RotationRecord& record) override;

 private:
  std::string out_;
  std::string old_;
};

}  // namespace rotor::rotation

#pragma once
// Where the engine keeps a resource's record and current password. The operator's store is
// a record Secret per resource plus the target Secret (secret_store.hpp); `rotor rotate`'s is
// OUT.pending plus the password files (file_store.hpp); the simulation's is in memory.
#include <optional>
#include <string>

#include "rotation/record.hpp"

namespace rotor::rotation {

struct Snapshot {
  std::optional<RotationRecord> record;  // none yet: a resource never rotated by this rotor
  std::optional<Secret> current;         // the password applications use now
};

// Every method answers nullopt on success or a message that names what failed (never a
// value). A failed write may still have happened: the engine reads again before it trusts.
class RotationStore {
 public:
  virtual ~RotationStore() = default;
  virtual std::optional<std::string> load(Snapshot& out) = 0;
  virtual std::optional<std::string> save(const RotationRecord& record) = 0;
  // current := record.pending, previous := the old current; the record is not touched.
  virtual std::optional<std::string> commit(const RotationRecord& record) = 0;
};

}  // namespace rotor::rotation

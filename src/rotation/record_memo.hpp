#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "rotation/record.hpp"

namespace rotor::rotation {

// Records whose save failed, so that the next pass in this process does not act on an
// older copy (for instance, send again a password the cloud just refused).
class RecordMemo {
 public:
  void put(const std::string& key, const RotationRecord& r);
  std::optional<RotationRecord> take_if_newer(const std::string& key, std::uint64_t stored_seq);

 private:
  std::mutex mu_;
  std::map<std::string, RotationRecord> records_;
};

}  // namespace rotor::rotation

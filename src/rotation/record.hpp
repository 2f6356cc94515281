#pragma once
// The rotation record: what rotor must remember about one resource's rotation so that a
// crash, a lost answer or a failed write never loses a password the cloud may have taken,
// and never spends a wrong-password attempt on a guess. It is saved before every cloud
// call: by the operator in a Secret of its own per resource, by `rotor rotate` in
// OUT.pending. The phases are the states of the table in machine.hpp.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "util/clock.hpp"
#include "util/secret.hpp"

namespace rotor::rotation {

enum class Service { kDcs, kDdm, kKafka, kRabbitMq };
enum class Method { kAuto, kReset, kChange };
enum class Call { kReset, kResetPasswordFree, kChange };

// The instance (and account) a password belongs to.
struct Target {
  Service service = Service::kDcs;
  std::string project_id;
  std::string instance_id;
  std::string username;  // DDM account

  // "dcs/<project>/<instance>[/<user>]": facts such as "reset unsupported" or the last
  // rotation belong to one identity and are forgotten when the spec names another.
  std::string identity() const;
  friend bool operator==(const Target&, const Target&) = default;
};

enum class Phase {
  kIdle,         // no rotation in flight
  kPrepared,     // pending saved and about to be sent; found after a crash: maybe sent
  kHeld,         // pending saved; every send so far was definitely not applied
  kUnconfirmed,  // a send's answer was lost: the cloud may hold the pending password
  kApplied,      // the cloud took the pending password; only the commit write is left
};

struct RotationRecord {
  std::uint64_t seq = 0;  // incremented by every save, to tell a newer copy from an older
  Phase phase = Phase::kIdle;
  Target target;
  // The rotation in flight (phase != Idle).
  std::optional<Secret> pending;
  Call call = Call::kReset;
  std::string old_fp;  // change: fingerprint of the old password it carries
  // Fingerprint of the Secret's password when the pending one was last sent ("none"): if it
  // differs at commit time, someone wrote the Secret meanwhile and rotor does not overwrite.
  std::string base_fp;
  std::string lost_change;  // fingerprint of the old password of a change whose answer was lost
  std::map<std::string, int> change_sends;  // change sends per (old fingerprint | rotate-now)
  // Old passwords first sent with a change after an earlier send may already have applied
  // the pending password: every send with them may be a wrong attempt.
  std::set<std::string> late_olds;
  int sends = 0;
  std::optional<TimePoint> pending_since;
  std::string last_answer;  // outcome and code of the last answer, for status
  bool assumed_applied = false;
  // Facts about the target, kept between rotations.
  std::string verified_fp;  // fingerprint of the password rotor saw the cloud take
  std::string blocked_on;   // a block waits until this key (password, person token) changes
  std::string blocked_reason;
  std::optional<TimePoint> locked_until;
  // Wrong old passwords the cloud still allows before it locks (its `retry_times_left`, or
  // counted by rotor), and the rotate-now value seen when rotor stopped short of the last.
  std::optional<int> wrong_left;
  std::optional<std::string> last_attempt_ack;
  bool reset_unsupported = false;
  std::optional<TimePoint> last_rotation;  // or adoption, with firstRotation AfterInterval
  std::string handled_rotate_now;
  std::int64_t rotations = 0;

  bool in_flight() const { return phase != Phase::kIdle; }
  friend bool operator==(const RotationRecord&, const RotationRecord&) = default;
  // Forgets the rotation in flight (not the facts about the target).
  void clear_flight();
};

// The serialised record holds the pending password: store it only where the password
// itself may be (a Secret, a 0600 file).
std::string to_json(const RotationRecord& r);
std::optional<RotationRecord> from_json(std::string_view text, std::string& error);

// A short, one-way fingerprint of a password for one target, so that the record can say
// "the block waits for this password to change" without holding the old password.
std::string fingerprint(const Target& t, const Secret& password);

const char* to_string(Phase p);
const char* to_string(Call c);
const char* to_string(Service s);

}  // namespace rotor::rotation

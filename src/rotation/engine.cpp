#include "rotation/engine.hpp"

#include <algorithm>

#include "password/policy.hpp"
#include "rotation/messages.hpp"

namespace rotor::rotation {

namespace {

using cloud::OutcomeKind;

// One pass over one resource. Holds the record in memory; `saved_` is what the store holds
// as far as this pass knows.
class Pass {
 public:
  Pass(const Intent& intent, EngineDeps deps) : in_(intent), d_(deps) {}
  Report run();

 private:
  Event observe();
  void act(Action action, Phase next, Event why);
  bool save();
  void send();
  Event classify(const cloud::Outcome& o, Phase sent_from) const;
  Call pending_call() const;
  std::string block_key() const;
  std::string attempt_key() const;
  int change_sends_left() const;
  bool would_risk_the_lock() const;
  void count_wrong_attempts(const cloud::Outcome& o);
  bool secret_changed() const;
  void rebase_on_target();
  void finalize();
  void block(const std::string& reason);
  void wait(const std::string& reason, const std::string& message, bool healthy);
  void answered(bool backoff);

  const Intent& in_;
  EngineDeps d_;
  TimePoint now_{};
  RotationRecord rec_;
  std::optional<RotationRecord> saved_;  // the stored record, as far as this pass knows
  std::optional<Secret> current_;
  std::optional<Event> next_event_;  // an event produced by the last action
  Report out_;
  bool done_ = false;
};

}  // namespace

namespace {

Call Pass::pending_call() const {
  if (rec_.target.service != Service::kDcs) return Call::kReset;
  if (in_.method == Method::kChange) return Call::kChange;
  if (in_.method == Method::kAuto && rec_.reset_unsupported) return Call::kChange;
  return Call::kReset;
}

std::string Pass::block_key() const {
  const std::string fp = current_ ? fingerprint(in_.target, *current_) : "none";
  return fp + "|" + in_.person_token;
}

// How many more changes may carry the current old password. Two when rotor saw the cloud
// take it and this is the first request to carry it (the second is the evidence after a lost
// answer); one after a person's new rotate-now value, since an earlier send may already have
// moved the cloud to the pending password; one for a password rotor never saw work.
int Pass::change_sends_left() const {
  int total = 0;
  const std::string prefix = rec_.old_fp + "|";
  for (const auto& [key, n] : rec_.change_sends) {
    if (key.compare(0, prefix.size(), prefix) == 0) total += n;
  }
  const auto it = rec_.change_sends.find(attempt_key());
  const int mine = it == rec_.change_sends.end() ? 0 : it->second;
  const bool verified = rec_.old_fp == rec_.verified_fp && !rec_.late_olds.count(rec_.old_fp);
  const int budget = verified && total == mine ? kChangeBudgetVerified : kChangeBudgetUnverified;
  return budget - mine;
}

// The next wrong old password locks the instance, and this send may carry one: an old
// password rotor never saw work, or any resend after a lost answer. Only a person's new
// rotate-now value after rotor stopped (the acknowledgement) lets it go out.
bool Pass::would_risk_the_lock() const {
  if (!rec_.wrong_left || *rec_.wrong_left > 1) return false;
  const bool seen_working = rec_.old_fp == rec_.verified_fp && !rec_.late_olds.count(rec_.old_fp) &&
                            rec_.phase != Phase::kUnconfirmed;
  if (seen_working) return false;
  return !(rec_.last_attempt_ack && in_.rotate_now != *rec_.last_attempt_ack);
}

// What the cloud's wrong-attempt counter is known to be after a change's answer. A lost
// answer may have been a wrong attempt: counted as one.
void Pass::count_wrong_attempts(const cloud::Outcome& o) {
  switch (o.kind) {
    case OutcomeKind::kWrongOldPassword:
      rec_.wrong_left =
          o.retry_times_left
              ? *o.retry_times_left
              : std::max(0, rec_.wrong_left.value_or(kDcsWrongAttemptsBeforeLock) - 1);
      return;
    case OutcomeKind::kUnknown:
      if (rec_.wrong_left) rec_.wrong_left = std::max(0, *rec_.wrong_left - 1);
      return;
    case OutcomeKind::kApplied:
    case OutcomeKind::kLocked:  // the count starts again when a lock ends
      rec_.wrong_left.reset();
      rec_.last_attempt_ack.reset();
      return;
    default:
      return;
  }
}

// Someone wrote another password into the Secret after the pending one was sent (a person
// rotating by hand, a restore): committing would overwrite it, dropping would lose ours.
bool Pass::secret_changed() const {
  if (rec_.base_fp.empty() || !current_) return false;  // migrated record; Secret deleted
  if (rec_.pending && *current_ == *rec_.pending) return false;
  return fingerprint(rec_.target, *current_) != rec_.base_fp;
}

// Sends of one old password are counted across spec edits: only a new rotate-now value (an
// explicit "try again") or another password in the Secret starts a new count.
std::string Pass::attempt_key() const {
  return rec_.old_fp + "|" + in_.rotate_now;
}

// Facts about a target do not carry over to another one: a new instance id is a new
// instance (never rotated, reset not known to be unsupported, no block).
void Pass::rebase_on_target() {
  if (rec_.in_flight() && rec_.target == Target{}) rec_.target = in_.target;  // migrated
  if (rec_.in_flight() || rec_.target == in_.target) return;
  const bool first_record = rec_.target == Target{} && rec_.seq == 0;
  RotationRecord fresh;
  fresh.seq = rec_.seq;
  fresh.target = in_.target;
  if (!first_record) fresh.handled_rotate_now = rec_.handled_rotate_now;
  rec_ = std::move(fresh);
}

bool Pass::save() {
  if (saved_ && *saved_ == rec_) return true;
  rec_.seq += 1;
  if (auto err = d_.store.save(rec_)) {
    if (d_.memo) d_.memo->put(d_.memo_key, rec_);
    out_.store_failed = true;
    out_.healthy = false;
    out_.reason = "StoreWriteFailed";
    out_.message = "cannot save the rotation record: " + *err;
    out_.backoff = true;
    done_ = true;
    return false;
  }
  saved_ = rec_;
  return true;
}

Event Pass::observe() {
  const bool locked = rec_.locked_until && *rec_.locked_until > now_;
  if (rec_.phase != Phase::kIdle) {
    if (rec_.pending && current_ && *current_ == *rec_.pending) return Event::kCommitFound;
    if (rec_.phase == Phase::kApplied) {
      if (rec_.blocked_reason == "SecretChanged")
        return rec_.blocked_on == block_key() ? Event::kBlocked : Event::kDiscardPending;
      return Event::kCommitLeft;
    }
    if (locked) return Event::kLocked;
    if (!rec_.blocked_on.empty()) {
      if (rec_.blocked_on == block_key()) return Event::kBlocked;
      rec_.blocked_on.clear();  // a person acted
      rec_.blocked_reason.clear();
    }
    if (pending_call() == Call::kChange) {
      if (!current_) return Event::kNeedsCurrent;
      rec_.old_fp = fingerprint(rec_.target, *current_);
      if (rec_.phase != Phase::kPrepared && change_sends_left() <= 0) return Event::kNoBudget;
      if (would_risk_the_lock()) return Event::kLastAttempt;
    }
    return Event::kReady;
  }
  if (in_.suspended) return Event::kSuspended;
  if (locked) return Event::kLocked;
  if (!rec_.blocked_on.empty()) {
    if (rec_.blocked_on == block_key()) return Event::kBlocked;
    rec_.blocked_on.clear();
    rec_.blocked_reason.clear();
  }
  const bool rotate_now = !in_.rotate_now.empty() && in_.rotate_now != rec_.handled_rotate_now;
  const bool needs_first = !current_ && !in_.password_free;
  if (!rotate_now && !needs_first && !rec_.last_rotation && in_.adopt_existing && current_)
    return Event::kAdopt;
  const bool due = needs_first || rotate_now || !rec_.last_rotation || !in_.next_after ||
                   in_.next_after(*rec_.last_rotation) <= now_;
  if (!due) return Event::kNotDue;
  if (in_.target.service == Service::kDcs && in_.password_free && in_.method != Method::kChange)
    return Event::kDuePasswordFree;
  if (pending_call() == Call::kChange && !current_) return Event::kNeedsCurrent;
  return Event::kDue;
}

Event Pass::classify(const cloud::Outcome& o, Phase sent_from) const {
  switch (o.kind) {
    case OutcomeKind::kApplied:
      return Event::kApplied;
    case OutcomeKind::kUnknown:
      return Event::kUnknown;
    case OutcomeKind::kBusy:
    case OutcomeKind::kThrottled:
      return Event::kNotNow;
    case OutcomeKind::kLocked:
      return Event::kLockedAnswer;
    case OutcomeKind::kAuthFailed:
      return Event::kAuthFailed;
    case OutcomeKind::kRejected:
      return Event::kRejected;
    case OutcomeKind::kWrongOldPassword:
      // Evidence that a lost change applied the pending password: this very old password
      // went out with the pending one before, the answer was lost, and rotor had seen the
      // cloud take that old password (a person's typo cannot pass for evidence).
      if (sent_from == Phase::kUnconfirmed && rec_.call == Call::kChange &&
          !rec_.lost_change.empty() && rec_.lost_change == rec_.old_fp &&
          rec_.old_fp == rec_.verified_fp)
        return Event::kWrongOldAfterLost;
      return Event::kWrongOldPassword;
    case OutcomeKind::kResetUnsupported:
      if (rec_.call == Call::kReset && in_.method == Method::kAuto && current_)
        return Event::kResetUnsupportedTryChange;
      return Event::kResetUnsupported;
    default:
      return Event::kNotNow;  // nothing was sent
  }
}

void Pass::send() {
  // Saved as Prepared (or still Unconfirmed) before the call: a crash during it resumes as
  // "maybe sent".
  const Phase sent_from = rec_.phase;
  rec_.call = pending_call();
  rec_.base_fp = current_ ? fingerprint(rec_.target, *current_) : "none";
  if (rec_.call == Call::kChange) {
    rec_.old_fp = fingerprint(rec_.target, *current_);
    bool first_with_old = true;
    const std::string prefix = rec_.old_fp + "|";
    for (const auto& [key, n] : rec_.change_sends) {
      if (n > 0 && key.compare(0, prefix.size(), prefix) == 0) first_with_old = false;
    }
    if (first_with_old && sent_from == Phase::kUnconfirmed) rec_.late_olds.insert(rec_.old_fp);
    rec_.change_sends[attempt_key()] += 1;
  }
  rec_.sends += 1;
  if (!save()) return;  // nothing was sent
  const cloud::InstanceRef ref{rec_.target.project_id, rec_.target.instance_id};
  cloud::Outcome o;
  switch (rec_.call) {
    case Call::kChange:
      o = d_.cloud.dcs_change(ref, *current_, *rec_.pending);
      break;
    case Call::kResetPasswordFree:
    case Call::kReset:
      switch (rec_.target.service) {
        case Service::kDcs:
          o = d_.cloud.dcs_reset(ref, *rec_.pending, false);
          break;
        case Service::kDdm:
          o = d_.cloud.ddm_reset(ref, rec_.target.username, *rec_.pending);
          break;
        case Service::kKafka:
          o = d_.cloud.dms_reset(ref, cloud::DmsEngine::kKafka, *rec_.pending);
          break;
        case Service::kRabbitMq:
          o = d_.cloud.dms_reset(ref, cloud::DmsEngine::kRabbitMq, *rec_.pending);
          break;
      }
      break;
  }
  rec_.last_answer = describe_answer(o);
  if (o.kind == OutcomeKind::kLocked) {
    const auto left =
        o.lock_left && o.lock_left->count() > 0 ? *o.lock_left : std::chrono::minutes(5);
    rec_.locked_until = now_ + std::chrono::duration_cast<Duration>(left);
  }
  if (o.kind == OutcomeKind::kResetUnsupported && rec_.call == Call::kReset)
    rec_.reset_unsupported = true;
  if (rec_.call == Call::kChange) {
    // Only an answer that may have come from the old-password check counts against the
    // budget: busy, throttled, not sent and refused credentials never reached it.
    const bool not_checked = o.kind == OutcomeKind::kBusy || o.kind == OutcomeKind::kThrottled ||
                             o.kind == OutcomeKind::kNotSent || o.kind == OutcomeKind::kAuthFailed;
    if (not_checked) rec_.change_sends[attempt_key()] -= 1;
    // Evidence for WrongOldAfterLost needs an answer that was lost, not a crash that may
    // have come before the request left (issue: "a change sent ... whose answer was lost").
    if (o.kind == OutcomeKind::kUnknown) rec_.lost_change = rec_.old_fp;
    count_wrong_attempts(o);
  } else if (o.kind == OutcomeKind::kLocked) {
    count_wrong_attempts(o);
  }
  out_.answer = o;
  next_event_ = classify(o, sent_from);
}

void Pass::finalize() {
  if (rec_.phase == Phase::kIdle && rec_.call == Call::kResetPasswordFree) {
    // Applications must stop sending the old password: the Secret says "no password". A
    // failed write leaves the rotation due, and the reset (idempotent) is sent again.
    RotationRecord none = rec_;
    none.pending = Secret();
    if (auto err = d_.store.commit(none)) {
      out_.store_failed = true;
      wait("SecretWriteFailed",
           "the instance is password-free now but the Secret could not be written (" + *err +
               "); retrying",
           false);
      out_.backoff = true;
      return;
    }
  }
  const bool completes_rotation = rec_.phase != Phase::kIdle || out_.answer.has_value();
  if (rec_.pending) rec_.verified_fp = fingerprint(rec_.target, *rec_.pending);
  if (rec_.call == Call::kResetPasswordFree) rec_.verified_fp.clear();
  out_.call = rec_.call;
  const bool assumed = rec_.assumed_applied;
  if (completes_rotation) {
    out_.rotation_started = rec_.pending_since.value_or(now_);
    rec_.last_rotation = now_;
    rec_.rotations += 1;
    rec_.handled_rotate_now = in_.rotate_now;
    rec_.blocked_on.clear();
    rec_.blocked_reason.clear();
    rec_.locked_until.reset();
  }
  rec_.clear_flight();
  rec_.phase = Phase::kIdle;
  out_.rotated = completes_rotation;
  out_.reason = "Rotated";
  out_.message = std::string("the password was rotated (") + to_string(out_.call) + ")";
  out_.healthy = true;
  out_.notices.push_back({false, "Rotated", out_.message});
  if (assumed) {
    out_.notices.push_back(
        {true, "AssumedApplied",
         "a change whose answer was lost was followed by \"wrong old password\" for the same "
         "old password: the pending password was taken as applied and committed"});
  }
  save();
}

void Pass::block(const std::string& reason) {
  rec_.blocked_on = block_key();
  rec_.blocked_reason = reason;
  if (!save()) return;
  wait(reason, block_message(reason), false);
  out_.notices.push_back({true, reason, out_.message});
}

void Pass::wait(const std::string& reason, const std::string& message, bool healthy) {
  out_.reason = reason;
  out_.message = message;
  out_.healthy = healthy;
  done_ = true;
}

// The pass ends after a cloud answer that did not complete the rotation.
void Pass::answered(bool backoff) {
  if (!save()) return;
  if (!out_.answer) {  // no answer in this pass (cannot happen today): look again later
    wait("Retrying", "the pending password is kept and sent again", false);
    out_.backoff = true;
    return;
  }
  const cloud::Outcome& o = *out_.answer;
  const bool kept = rec_.pending.has_value();
  out_.reason = answer_reason(o.kind);
  out_.message = "the cloud answered " + o.describe() +
                 (kept ? "; the pending password is kept and sent again" : "");
  out_.healthy = false;
  if (o.kind == OutcomeKind::kLocked && rec_.locked_until) {
    out_.wake_at = rec_.locked_until;
  } else {
    out_.backoff = backoff;
  }
  out_.notices.push_back({true, out_.reason, out_.message});
  done_ = true;
}

void Pass::act(Action action, Phase next, Event why) {
  switch (action) {
    case Action::kWait: {
      rec_.phase = next;
      if (why == Event::kNotDue) {
        wait("UpToDate", "waiting for the next rotation", true);
      } else if (why == Event::kSuspended) {
        wait("Suspended", "rotation is suspended", true);
      } else if (why == Event::kLocked) {
        out_.wake_at = rec_.locked_until;
        wait("Locked",
             "the cloud locked password changes until " + format_rfc3339(*rec_.locked_until),
             false);
      } else {
        wait(rec_.blocked_reason.empty() ? "Blocked" : rec_.blocked_reason,
             block_message(rec_.blocked_reason), false);
      }
      return;
    }
    case Action::kGenerate:
      rec_.phase = next;
      rec_.target = in_.target;
      rec_.pending = password::generate(in_.policy, d_.random);
      rec_.pending_since = now_;
      rec_.call = pending_call();
      save();  // the send saves again with its count; a failed save ends the pass here
      return;
    case Action::kSend:
      rec_.phase = next;
      send();
      return;
    case Action::kSendPasswordFree: {
      rec_.call = Call::kResetPasswordFree;
      const cloud::InstanceRef ref{in_.target.project_id, in_.target.instance_id};
      const cloud::Outcome o = d_.cloud.dcs_reset(ref, Secret(), true);
      rec_.last_answer = describe_answer(o);
      if (o.kind == OutcomeKind::kLocked) {
        const auto left =
            o.lock_left && o.lock_left->count() > 0 ? *o.lock_left : std::chrono::minutes(5);
        rec_.locked_until = now_ + std::chrono::duration_cast<Duration>(left);
        count_wrong_attempts(o);
      }
      out_.answer = o;
      next_event_ = classify(o, Phase::kIdle);
      return;
    }
    case Action::kSave:
      rec_.phase = next;
      if (why == Event::kResumed) {
        save();
        return;
      }
      if (why == Event::kCommitFailed) {
        if (save()) {
          out_.reason = "SecretWriteFailed";
          out_.healthy = false;
          out_.backoff = true;
          done_ = true;
        }
        return;
      }
      answered(why != Event::kLockedAnswer);
      return;
    case Action::kCommit: {
      rec_.phase = next;
      if (why == Event::kWrongOldAfterLost) rec_.assumed_applied = true;
      if (secret_changed()) {
        next_event_ = Event::kSecretChanged;
        return;
      }
      if (auto err = d_.store.commit(rec_)) {
        out_.message = "the cloud took the new password but the Secret could not be written (" +
                       *err + "); only the write is retried";
        next_event_ = Event::kCommitFailed;
      } else {
        current_ = rec_.pending;
        next_event_ = Event::kCommitted;
      }
      return;
    }
    case Action::kFinalize:
      finalize();
      if (why == Event::kApplied || why == Event::kCommitted) done_ = true;
      if (done_) {
        out_.wake_at = in_.next_after && rec_.last_rotation && !in_.suspended
                           ? std::optional(in_.next_after(*rec_.last_rotation))
                           : std::nullopt;
      }
      return;
    case Action::kDrop:
      rec_.clear_flight();
      rec_.phase = next;
      if (why == Event::kDiscardPending) {  // a person confirmed the Secret: go on from it
        rec_.blocked_on.clear();
        rec_.blocked_reason.clear();
        out_.notices.push_back({true, "PendingDiscarded",
                                "the Secret was changed by someone after the cloud took the "
                                "pending password, and a person has acted since: the Secret is "
                                "kept as it is and the pending password dropped"});
        save();
        return;
      }
      answered(true);
      return;
    case Action::kDropAndBlock:
      rec_.clear_flight();
      rec_.phase = next;
      rec_.blocked_on = block_key();
      rec_.blocked_reason = why == Event::kNeedsCurrent       ? "NoCurrentPassword"
                            : why == Event::kResetUnsupported ? "ResetUnsupported"
                            : why == Event::kNoBudget         ? "LockedOnChange"
                            : why == Event::kLastAttempt      ? "LastAttempt"
                                                              : "WrongOldPassword";
      if (why == Event::kLastAttempt) rec_.last_attempt_ack = in_.rotate_now;
      if (out_.answer) {
        answered(false);
      } else {
        block(rec_.blocked_reason);
      }
      return;
    case Action::kBlock: {
      rec_.phase = next;
      const std::string reason = why == Event::kSecretChanged      ? "SecretChanged"
                                 : why == Event::kLastAttempt      ? "LastAttempt"
                                 : why == Event::kNeedsCurrent     ? "NoCurrentPassword"
                                 : why == Event::kResetUnsupported ? "ResetUnsupported"
                                 : why == Event::kWrongOldPassword && !rec_.pending
                                     ? "WrongOldPassword"
                                     : "NeedsConfirmation";
      rec_.blocked_on = block_key();
      rec_.blocked_reason = reason;
      if (why == Event::kLastAttempt) rec_.last_attempt_ack = in_.rotate_now;
      if (out_.answer) {
        const std::size_t notices = out_.notices.size();
        answered(false);
        out_.reason = reason;
        out_.message += "; " + block_message(reason);
        // The Event names the block and what lifts it, not only the answer that caused it.
        if (out_.notices.size() > notices) out_.notices.back() = {true, reason, out_.message};
      } else {
        block(reason);
      }
      return;
    }
    case Action::kSwitchToChange:
      rec_.phase = next;
      rec_.reset_unsupported = true;
      out_.notices.push_back({false, "FellBackToChange",
                              "reset is not supported for this instance (DCS.4839); the same "
                              "password is sent with change"});
      out_.answer.reset();
      return;
    case Action::kAdopt:
      rec_.last_rotation = now_;
      rec_.handled_rotate_now = in_.rotate_now;
      save();
      return;
    case Action::kReport:
      answered(true);
      return;
  }
}

Report Pass::run() {
  now_ = d_.clock.now();
  Snapshot snap;
  if (auto err = d_.store.load(snap)) {
    out_.store_failed = true;
    out_.healthy = false;
    out_.reason = "StoreReadFailed";
    out_.message = *err;
    out_.backoff = true;
    return out_;
  }
  if (snap.record) {
    rec_ = std::move(*snap.record);
    saved_ = rec_;
  }
  current_ = std::move(snap.current);
  if (d_.memo) {
    if (auto newer = d_.memo->take_if_newer(d_.memo_key, snap.record ? rec_.seq : 0)) {
      // A save that failed in this process. Its send never happened (a failed save stops
      // the pass before the call), so a Prepared copy is Held, not maybe-sent.
      rec_ = std::move(*newer);
      if (rec_.phase == Phase::kPrepared) rec_.phase = Phase::kHeld;
      if (!save()) {  // still failing: kept in the memo by save(), nothing else is done
        out_.record = rec_;
        return out_;
      }
    }
  }
  if (rec_.phase == Phase::kHeld && !(rec_.target == in_.target) && !(rec_.target == Target{})) {
    // Never applied anywhere: the pending password of the old instance can simply go.
    rec_.clear_flight();
    out_.notices.push_back({false, "PendingDropped",
                            "the resource names another instance now; the pending password made "
                            "for the old one, which never took it, was dropped"});
  }
  rebase_on_target();
  if (rec_.in_flight() && !(rec_.target == in_.target)) {
    // The pending password belongs to the instance it was made for; committing it as the
    // new instance's password, or dropping it, could lose it. A person decides.
    wait("TargetChanged",
         "a rotation of " + rec_.target.identity() +
             " is in flight; point the resource back at it until the rotation "
             "completes (its pending password is in the rotation record)",
         false);
    out_.record = rec_;
    return out_;
  }
  if (rec_.phase == Phase::kPrepared) next_event_ = Event::kResumed;
  for (int step = 0; step < 16 && !done_; ++step) {
    const Phase from = rec_.phase;
    const Event event = next_event_ ? *next_event_ : observe();
    next_event_.reset();
    const auto t = transition(from, event);
    if (!t) {
      out_.trace.push_back(std::string(to_string(from)) + " --" + to_string(event) + "--> ?");
      wait("InternalError",
           std::string("no rule for ") + to_string(event) + " in phase " + to_string(from), false);
      out_.backoff = true;
      break;
    }
    out_.trace.push_back(std::string(to_string(from)) + " --" + to_string(event) + "/" +
                         to_string(t->action) + "--> " + to_string(t->next));
    act(t->action, t->next, event);
  }
  if (!done_) {
    wait("InternalError", "the rotation did not settle", false);
    out_.backoff = true;
  }
  if (in_.next_after && rec_.last_rotation && !in_.suspended)
    out_.next_rotation = in_.next_after(*rec_.last_rotation);
  if (!out_.wake_at && !out_.backoff && rec_.phase == Phase::kIdle && rec_.blocked_on.empty())
    out_.wake_at = out_.next_rotation;
  out_.record = rec_;
  return out_;
}

}  // namespace

Report run_pass(const Intent& intent, EngineDeps deps) {
  Pass pass(intent, deps);
  return pass.run();
}

}  // namespace rotor::rotation

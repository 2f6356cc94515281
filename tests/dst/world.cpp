#include "world.hpp"

#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>

#include "cloud/auth_gate.hpp"
#include "controller/reconciler.hpp"
#include "controller/secret_store.hpp"
#include "kube/json.hpp"
#include "model_cloud.hpp"
#include "runtime/workqueue.hpp"
#include "testing/fake_api.hpp"
#include "testing/hooked_api.hpp"
#include "util/base64.hpp"

namespace rotor::dst {
namespace {

using controller::ResourceKind;
using kube::Json;
using testing::ApiVerb;
namespace res = kube::resources;

const TimePoint kStart = std::chrono::system_clock::from_time_t(1'900'000'000);
constexpr const char* kNs = "team";
constexpr const char* kSk = "SK-never-in-a-log-7";

Json parse(const std::string& text) {
  return kube::parse_json(text).value_or(Json::object());
}

// The engine's passwords come from this, so that a seed fixes them too.
class SeededRandom final : public RandomSource {
 public:
  explicit SeededRandom(std::uint64_t seed) : rng_(seed) {}
  void fill(std::uint8_t* out, std::size_t n) override {
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(rng_());
  }

 private:
  std::mt19937_64 rng_;
};

class Events final : public controller::EventRecorder {
 public:
  void normal(const controller::RotatedResource&, const std::string& reason,
              const std::string& message) override {
    text += "Normal " + reason + " " + message + "\n";
  }
  void warning(const controller::RotatedResource&, const std::string& reason,
               const std::string& message) override {
    text += "Warning " + reason + " " + message + "\n";
  }
  std::string text;
};

enum class Kind {
  kDcsReset,
  kDcsAuto,
  kDcsAutoUnsupported,
  kDcsChange,
  kDdm,
  kDms,
  kDcsPasswordFree
};

struct Res {
  std::string name;
  Kind kind;
  std::string instance;
  std::string secret;
  std::string key = "password";
  std::string previous = "previous-password";
  bool duplicate = false;      // names the instance of an older resource: must be refused
  std::string method;          // as created; a person may change it, and restores it to settle
  std::string status_version;  // resourceVersion whose status was last checked for leaks
  std::string last_current;    // the target key's value after the previous step
  std::set<std::string> person_known;  // values a person overwrote or deleted (they know them)
  int rotate_now = 0;
};

// The process: everything a crash throws away.
struct Process {
  Process(kube::Api& api, ModelCloud& cloud, const ManualClock& clock, RandomSource& random,
          Events& events, Logger& log, std::uint64_t seed)
      : accounts(api,
                 [&cloud, &clock](const controller::AccountConfig& cfg) {
                   std::shared_ptr<cloud::PasswordApi> model(std::shared_ptr<void>(), &cloud);
                   return std::make_shared<cloud::AuthGate>(model, cfg.id, clock);
                 }),
        reconciler({api, accounts, clock, random, events, log, controller::list_peers(api)}),
        queue(clock, queue_options(seed)) {}

  static runtime::WorkQueueOptions queue_options(std::uint64_t seed) {
    runtime::WorkQueueOptions o;
    auto rng = std::make_shared<std::mt19937_64>(seed ^ 0x9e3779b97f4a7c15ULL);
    o.random = [rng] { return static_cast<double>((*rng)() >> 11) * 0x1.0p-53; };
    return o;
  }

  controller::AccountResolver accounts;
  controller::Reconciler reconciler;
  runtime::WorkQueue queue;
};

class World {
 public:
  explicit World(const Options& o)
      : opt_(o),
        rng_(o.seed),
        clock_(std::make_shared<ManualClock>(kStart)),
        store_(clock_),
        api_(store_),
        cloud_(*clock_, [this] { return cloud_fault(); }),
        random_(o.seed * 7919 + 1),
        log_(log_text_, LogFormat::kJson, LogLevel::kDebug) {}

  Outcome run();

 private:
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : rng_() % n; }
  bool chance(int percent) { return static_cast<int>(below(100)) < percent; }
  void note(const std::string& s) {
    if (opt_.verbose) out_.trace.push_back("[" + std::to_string(out_.stats.steps) + "] " + s);
  }

  void setup();
  void restart();
  void step();
  void settle();
  void reconcile_one();
  void advance(Duration d);
  void person_act();
  void enqueue_all();
  Fault cloud_fault();
  std::optional<kube::Error> api_fault(ApiVerb v, const kube::ResourceRef& r,
                                       const std::string& name);

  // Invariants.
  void check(const char* when);
  void check_leaks();
  void check_status_leaks(Res& r);
  bool converged(std::string& why);
  void fail(const std::string& what) {
    if (!out_.ok) return;
    out_.ok = false;
    out_.violation = "step " + std::to_string(out_.stats.steps) + ": " + what;
  }

  std::optional<std::string> target_value(const Res& r, const std::string& key);
  std::optional<rotation::RotationRecord> record(const Res& r);
  std::string resource_json(const Res& r);
  static ResourceKind kind_of(const Res& r);
  std::string key_of(const Res& r) const { return controller::make_key(kind_of(r), kNs, r.name); }
  Res* by_instance(const std::string& id);
  void set_target(Res& r, const std::optional<std::string>& value);
  bool ready(const Res& r);

  const Options opt_;
  std::mt19937_64 rng_;
  std::shared_ptr<ManualClock> clock_;
  kube::FakeApi store_;
  testing::HookedApi api_;
  ModelCloud cloud_;
  SeededRandom random_;
  std::ostringstream log_text_;
  Logger log_;
  Events events_;
  std::unique_ptr<Process> proc_;
  std::vector<Res> res_;
  bool faults_ = true;
  bool crash_after_write_ = false;
  std::set<std::string> seen_passwords_;  // every pending or current seen: for the leak check
  std::set<std::string> sks_{kSk};
  // Parsed records by resource, with the Secret's resourceVersion they were parsed from.
  std::map<std::string, std::pair<std::string, std::optional<rotation::RotationRecord>>> records_;
  int person_values_ = 0;
  Outcome out_;
};

}  // namespace
}  // namespace rotor::dst

namespace rotor::dst {
namespace {

ResourceKind World::kind_of(const Res& r) {
  switch (r.kind) {
    case Kind::kDdm:
      return ResourceKind::kDdmAccount;
    case Kind::kDms:
      return ResourceKind::kDmsInstance;
    default:
      return ResourceKind::kDcsInstance;
  }
}

Res* World::by_instance(const std::string& id) {
  for (auto& r : res_) {
    if (r.instance == id && !r.duplicate) return &r;
  }
  return nullptr;
}

std::optional<std::string> World::target_value(const Res& r, const std::string& key) {
  auto s = store_.get(res::kSecrets, kNs, r.secret);
  if (!s) return std::nullopt;
  const Json* v = kube::find(*s, {"data", key});
  if (!v || !v->is_string()) return std::nullopt;
  return base64_decode(v->as_string());
}

std::optional<rotation::RotationRecord> World::record(const Res& r) {
  auto s = store_.get(res::kSecrets, kNs, controller::record_secret_name(kind_of(r), r.name));
  if (!s) return std::nullopt;
  auto& cached = records_[r.name];
  const std::string version = kube::resource_version_of(*s);
  if (cached.first != version) {
    const auto text = base64_decode(kube::get_string(*s, {"data", "record"}));
    std::string error;
    cached = {version, text ? rotation::from_json(*text, error) : std::nullopt};
  }
  return cached.second;
}

std::string World::resource_json(const Res& r) {
  auto o = store_.get(controller::resource_ref(kind_of(r)), kNs, r.name);
  return o ? kube::dump(*o) : "";
}

bool World::ready(const Res& r) {
  auto o = store_.get(controller::resource_ref(kind_of(r)), kNs, r.name);
  if (!o) return false;
  const Json* c = kube::find(*o, {"status", "conditions"});
  if (!c || !c->is_array()) return false;
  for (const auto& x : c->as_array()) {
    if (kube::get_string(x, {"type"}) == "Ready") return kube::get_string(x, {"status"}) == "True";
  }
  return false;
}

// A person writes the target key (nullopt: deletes the whole Secret).
void World::set_target(Res& r, const std::optional<std::string>& value) {
  if (auto old = target_value(r, r.key)) r.person_known.insert(*old);
  if (!value) {  // every key of the Secret goes; the person knew what they deleted
    for (auto& other : res_) {
      if (other.secret != r.secret) continue;
      if (auto old = target_value(other, other.key)) other.person_known.insert(*old);
      other.last_current.clear();
    }
    (void)store_.remove(res::kSecrets, kNs, r.secret);
    return;
  }
  auto s = store_.get(res::kSecrets, kNs, r.secret);
  if (s) {
    kube::ensure_object(*s, {"data"})[r.key] = Json::string(base64_encode(*value));
    (void)store_.replace(res::kSecrets, kNs, *s);
  } else {
    (void)store_.create(res::kSecrets, kNs,
                        parse(R"({"metadata":{"name":")" + r.secret +
                              R"(","labels":{"app.kubernetes.io/managed-by":"rotor"}},"data":{")" +
                              r.key + R"(":")" + base64_encode(*value) + R"("}})"));
  }
  r.last_current = *value;
  seen_passwords_.insert(*value);
}

void World::setup() {
  (void)store_.create(
      res::kSecrets, kNs,
      parse(
          R"({"metadata":{"name":"creds","labels":{"rotor.dev/credentials":"true"}},"data":{"accessKey":")" +
          base64_encode("AK") + R"(","secretKey":")" + base64_encode(kSk) + R"("}})"));
  (void)store_.create(res::kCloudAccounts, kNs, parse(R"({"metadata":{"name":"acct"},
      "spec":{"cloud":"HuaweiCloud","region":"eu-de","projectId":"p1",
      "credentials":{"secretRef":{"name":"creds"}}}})"));
  const int n = 2 + static_cast<int>(below(3));
  for (int i = 0; i < n; ++i) {
    Res r;
    r.name = "r" + std::to_string(i);
    r.kind = static_cast<Kind>(below(7));
    r.instance = "i-" + std::to_string(i);
    r.secret = "s-" + std::to_string(i);
    if (i > 0 && chance(10) && res_[0].kind != Kind::kDdm) {
      r.duplicate = true;
      r.kind = res_[0].kind;
      r.instance = res_[0].instance;
    } else if (i > 0 && chance(30) && !res_.back().duplicate) {
      r.secret = res_.back().secret;
      r.key = "k" + std::to_string(i);
      r.previous = "k" + std::to_string(i) + "-previous";
    }
    if (!r.duplicate) {
      Instance inst;
      inst.password = "Init-" + std::to_string(i) + "-Aa1!";
      inst.reset_unsupported = r.kind == Kind::kDcsAutoUnsupported;
      inst.history.insert(inst.password);
      cloud_.instances[r.instance] = inst;
      const bool needs_current = r.kind == Kind::kDcsChange || r.kind == Kind::kDcsAutoUnsupported;
      if (needs_current || chance(50)) {
        set_target(r, inst.password);
        r.person_known.clear();
      } else {
        r.person_known.insert(inst.password);  // the instance's creator knows it
      }
    }
    const char* method = r.kind == Kind::kDcsReset    ? "Reset"
                         : r.kind == Kind::kDcsChange ? "Change"
                                                      : "Auto";
    r.method = method;
    const std::string kind = controller::kind_name(kind_of(r));
    std::string spec = R"("cloudAccountRef":{"name":"acct"},"instanceId":")" + r.instance + "\"";
    if (kind_of(r) == ResourceKind::kDcsInstance)
      spec += R"(,"method":")" + std::string(method) + "\"";
    if (r.kind == Kind::kDcsPasswordFree) spec += R"(,"passwordFree":true)";
    if (kind_of(r) == ResourceKind::kDdmAccount) spec += R"(,"username":"app")";
    if (kind_of(r) == ResourceKind::kDmsInstance) spec += R"(,"engine":"Kafka")";
    spec += R"(,"rotation":{"interval":"1h","firstRotation":")" +
            std::string(chance(50) ? "Immediate" : "AfterInterval") + R"("})";
    spec += R"(,"secret":{"name":")" + r.secret + R"(","passwordKey":")" + r.key +
            R"(","previousPasswordKey":")" + r.previous + R"("})";
    (void)store_.create(
        controller::resource_ref(kind_of(r)), kNs,
        parse(R"({"metadata":{"name":")" + r.name + R"("},"spec":{)" + spec + "}}"));
    note("resource " + r.name + " " + kind + " " + method + " instance " + r.instance + " secret " +
         r.secret + "/" + r.key + (r.duplicate ? " (duplicate)" : ""));
    res_.push_back(r);
  }
  api_.hook = [this](ApiVerb v, const kube::ResourceRef& r, const std::string& name) {
    return api_fault(v, r, name);
  };
  api_.after = [this](ApiVerb v, const kube::ResourceRef&, const std::string&) {
    if (v != ApiVerb::kGet && v != ApiVerb::kList && crash_after_write_) {
      crash_after_write_ = false;
      throw Crash{};
    }
  };
  cloud_.during_call = [](const std::string&) {};
  if (opt_.verbose) cloud_.trace = [this](const std::string& line) { note(line); };
  restart();
}

Fault World::cloud_fault() {
  if (!faults_ || chance(65)) return Fault::kNone;
  static constexpr Fault kFaults[] = {Fault::kUnknownBefore, Fault::kUnknownAfter, Fault::kBusy,
                                      Fault::kThrottled,     Fault::kRejected,     Fault::kNotSent,
                                      Fault::kCrashBefore,   Fault::kCrashAfter};
  const Fault f = kFaults[below(std::size(kFaults))];
  note(std::string("cloud fault ") + std::to_string(static_cast<int>(f)));
  return f;
}

std::optional<kube::Error> World::api_fault(ApiVerb v, const kube::ResourceRef&,
                                            const std::string& name) {
  if (!faults_) return std::nullopt;
  const int roll = static_cast<int>(below(1000));
  if (roll < 25) {
    note("api error on " + name);
    return kube::FakeApi::make_error(roll < 12 ? kube::ErrorKind::kServerError
                                               : kube::ErrorKind::kConflict);
  }
  const bool write = v != ApiVerb::kGet && v != ApiVerb::kList;
  if (write && roll < 35) {
    note("crash before writing " + name);
    throw Crash{};
  }
  if (write && roll < 45) {
    note("crash after writing " + name);
    crash_after_write_ = true;
  }
  return std::nullopt;
}

void World::restart() {
  proc_.reset();
  proc_ = std::make_unique<Process>(api_, cloud_, *clock_, random_, events_, log_, rng_());
  enqueue_all();
}

void World::enqueue_all() {
  for (const auto& r : res_) proc_->queue.add(key_of(r));
}

void World::advance(Duration d) {
  clock_->advance(d);
  note("time +" + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) +
       "s");
}

void World::reconcile_one() {
  auto key = proc_->queue.try_get();
  if (!key) {
    advance(std::chrono::seconds(30 + below(600)));
    return;
  }
  ResourceKind kind;
  std::string ns, name;
  controller::parse_key(*key, kind, ns, name);
  const auto version = [&] {
    auto o = store_.get(controller::resource_ref(kind), ns, name);
    return o ? kube::resource_version_of(*o) : std::string();
  };
  const std::string rv_before = version();
  runtime::Result result;
  try {
    ++out_.stats.reconciles;
    result = proc_->reconciler.reconcile(kind, ns, name);
  } catch (const Crash&) {
    ++out_.stats.crashes;
    note("crash while reconciling " + *key);
    crash_after_write_ = false;
    restart();
    return;
  }
  note("reconciled " + *key + (result.error ? " (error)" : ""));
  auto& q = proc_->queue;
  if (result.error) {
    q.add_rate_limited(*key);
  } else {
    q.forget(*key);
    if (result.requeue_at) q.add_at(*key, *result.requeue_at);
    if (result.requeue_after) q.add_after(*key, *result.requeue_after);
  }
  q.done(*key);
  // The informer sees rotor's own writes to the resource and queues it again.
  if (version() != rv_before) q.add(*key);
}

void World::person_act() {
  Res& r = res_[below(res_.size())];
  const int what = static_cast<int>(below(12));
  const std::string value = "Person-" + std::to_string(++person_values_) + "-Zz9#";
  switch (what) {
    case 0: {  // an unrelated edit of the target Secret
      auto s = store_.get(res::kSecrets, kNs, r.secret);
      if (s) {
        kube::ensure_object(*s, {"metadata", "labels"})["touched"] =
            Json::string(std::to_string(person_values_));
        (void)store_.replace(res::kSecrets, kNs, *s);
      }
      note("person touches Secret " + r.secret);
      break;
    }
    case 1:  // a typo in the Secret
      if (r.duplicate) break;
      set_target(r, value);
      ++cloud_.person_epoch[r.instance];
      note("person writes a wrong password into " + r.secret + "/" + r.key);
      break;
    case 2:  // the right password into the Secret
      if (r.duplicate) break;
      set_target(r, cloud_.instances[r.instance].password);
      ++cloud_.person_epoch[r.instance];
      note("person fixes " + r.secret + "/" + r.key);
      break;
    case 3: {
      ++r.rotate_now;
      (void)store_.patch(controller::resource_ref(kind_of(r)), kNs, r.name, kube::PatchType::kMerge,
                         parse(R"({"metadata":{"annotations":{"rotor.dev/rotate-now":")" +
                               std::to_string(r.rotate_now) + R"("}}})"));
      ++cloud_.person_epoch[r.instance];
      if (const auto rec = record(r); rec && rec->blocked_reason == "LastAttempt") {
        cloud_.instances[r.instance].lock_acknowledged = true;
        note("person sets rotate-now on " + r.name + ": spend the last attempt");
        break;
      }
      note("person sets rotate-now on " + r.name);
      break;
    }
    case 4: {  // credentials go bad, or are fixed: the credentials Secret changes either way
      cloud_.credentials_bad = !cloud_.credentials_bad;
      const std::string sk = "SK-" + std::to_string(person_values_) + "-secret";
      sks_.insert(sk);
      (void)store_.patch(res::kSecrets, kNs, "creds", kube::PatchType::kMerge,
                         parse(R"({"data":{"secretKey":")" + base64_encode(sk) + R"("}})"));
      note(cloud_.credentials_bad ? "credentials go bad" : "credentials fixed");
      break;
    }
    case 5:  // the target Secret is deleted during the next call to this instance
      if (r.duplicate) break;
      cloud_.during_call = [this, id = r.instance](const std::string& called) {
        if (called != id) return;
        if (Res* victim = by_instance(id)) {
          note("person deletes Secret " + victim->secret + " during a call");
          set_target(*victim, std::nullopt);
        }
        cloud_.during_call = [](const std::string&) {};
      };
      break;
    case 6:  // someone else locks the instance for a while (another client's mistakes)
      if (r.duplicate) break;
      cloud_.instances[r.instance].locked_until = clock_->now() + std::chrono::minutes(5);
      note("instance " + r.instance + " locked by someone else");
      break;
    case 7: {  // another method for a DCS instance (a spec edit: a person acting)
      if (kind_of(r) != ResourceKind::kDcsInstance) break;
      static constexpr const char* kMethods[] = {"Auto", "Reset", "Change"};
      const std::string m = kMethods[below(3)];
      (void)store_.patch(controller::resource_ref(kind_of(r)), kNs, r.name, kube::PatchType::kMerge,
                         parse(R"({"spec":{"method":")" + m + R"("}})"));
      ++cloud_.person_epoch[r.instance];
      note("person sets method " + m + " on " + r.name);
      break;
    }
    case 10: {  // the resource pointed at another instance for a while (a spec edit)
      if (r.duplicate) break;
      bool shared = false;  // with a second resource on the instance, who owns it moves too
      for (const auto& other : res_) shared |= &other != &r && other.instance == r.instance;
      if (shared) break;
      (void)store_.patch(controller::resource_ref(kind_of(r)), kNs, r.name, kube::PatchType::kMerge,
                         parse(R"({"spec":{"instanceId":")" + r.instance + R"(-other"}})"));
      ++cloud_.person_epoch[r.instance];
      note("person points " + r.name + " at another instance");
      break;
    }
    case 8: {  // a person rotates by hand: the cloud and the Secret together
      if (r.duplicate) break;
      if (Res* owner = by_instance(r.instance)) {
        Instance& inst = cloud_.instances[r.instance];
        const std::string by_hand = "Hand-" + std::to_string(person_values_) + "-Yy8$";
        inst.password = by_hand;
        inst.history.insert(by_hand);
        set_target(*owner, by_hand);
        ++cloud_.person_epoch[r.instance];
        note("person rotates " + r.instance + " by hand and writes the Secret");
      }
      break;
    }
    case 9: {  // suspend or resume
      const bool suspend = chance(50);
      (void)store_.patch(controller::resource_ref(kind_of(r)), kNs, r.name, kube::PatchType::kMerge,
                         parse(std::string(R"({"spec":{"rotation":{"suspend":)") +
                               (suspend ? "true" : "false") + "}}}"));
      ++cloud_.person_epoch[r.instance];  // a spec edit: blocks wait for one, by design
      note(std::string("person ") + (suspend ? "suspends " : "resumes ") + r.name);
      break;
    }
    default:
      advance(std::chrono::minutes(1 + below(90)));
      break;
  }
  enqueue_all();  // the informers see the change
}

void World::step() {
  ++out_.stats.steps;
  const int roll = static_cast<int>(below(100));
  if (roll < 55) {
    reconcile_one();
  } else if (roll < 70) {
    static constexpr int kSeconds[] = {1, 10, 60, 300, 1200, 7200};
    advance(std::chrono::seconds(kSeconds[below(std::size(kSeconds))]));
  } else if (roll < 74) {
    ++out_.stats.crashes;
    note("crash");
    restart();
  } else if (roll < 86) {
    person_act();
  } else {
    reconcile_one();
  }
}

void World::check(const char* when) {
  for (auto& r : res_) {
    const auto rec = record(r);
    if (rec && rec->pending) seen_passwords_.insert(rec->pending->reveal());
    const auto cur = target_value(r, r.key);
    if (cur) seen_passwords_.insert(*cur);
    check_status_leaks(r);
    if (r.duplicate) {
      if ((rec && rec->in_flight()) || target_value(r, r.key))
        fail("a resource naming another's instance rotated it (" + r.name + ")");
      continue;
    }
    const Instance& inst = cloud_.instances[r.instance];
    // What a person knows matters only while the cloud still holds it.
    std::erase_if(r.person_known, [&](const std::string& v) { return v != inst.password; });
    const bool held = inst.password.empty() ||  // password-free: there is nothing to lose
                      (cur && *cur == inst.password) ||
                      (rec && rec->pending && rec->pending->reveal() == inst.password) ||
                      r.person_known.count(inst.password) > 0;
    if (!held)
      fail(std::string("I1 (") + when + "): the password instance " + r.instance +
           " holds is neither in Secret " + r.secret + "/" + r.key + " nor pending for " + r.name);
    if (cur && *cur != r.last_current && *cur != inst.password)
      fail("I2: " + r.name + " committed a password the cloud does not hold");
    r.last_current = cur.value_or("");
  }
  std::map<std::string, int> per_mistake;
  for (const auto& w : cloud_.wrong_attempts) {
    if (++per_mistake[w.instance + "|" + w.old_password + "|" + std::to_string(w.person_epoch)] > 1)
      fail("I3: instance " + w.instance + " got the same wrong old password twice");
  }
  for (const auto& [id, inst] : cloud_.instances) {
    if (inst.locked_by_wrong_attempts) fail("I3: instance " + id + " reached its lockout");
  }
}

// The forms a secret could take in a log line (JSON-escaped), a status or an event.
bool appears(const std::string& text, const std::string& secret) {
  if (secret.size() < 6) return false;
  std::string escaped;
  for (char c : secret) {
    if (c == '"' || c == '\\') escaped += '\\';
    escaped += c;
  }
  return text.find(secret) != std::string::npos || text.find(escaped) != std::string::npos ||
         text.find(base64_encode(secret)) != std::string::npos;
}

void World::check_status_leaks(Res& r) {
  auto o = store_.get(controller::resource_ref(kind_of(r)), kNs, r.name);
  if (!o || kube::resource_version_of(*o) == r.status_version) return;
  r.status_version = kube::resource_version_of(*o);
  const std::string text = kube::dump(*o);
  for (const auto& [id, inst] : cloud_.instances) {
    for (const auto& pw : inst.history) {
      if (appears(text, pw)) fail("I5: a password appears in the status of " + r.name);
    }
  }
  for (const auto& pw : seen_passwords_) {
    if (appears(text, pw)) fail("I5: a password appears in the status of " + r.name);
  }
}

void World::check_leaks() {
  std::string text = log_text_.str() + events_.text;
  for (const auto& r : res_) text += resource_json(r);
  std::set<std::string> secrets = seen_passwords_;
  for (const auto& [id, inst] : cloud_.instances)
    secrets.insert(inst.history.begin(), inst.history.end());
  secrets.insert(sks_.begin(), sks_.end());
  for (const auto& s : secrets) {
    if (appears(text, s)) fail("I5: a password or key appears in a log line, an event or a status");
  }
}

bool World::converged(std::string& why) {
  for (auto& r : res_) {
    if (r.duplicate) continue;
    const auto cur = target_value(r, r.key);
    const auto rec = record(r);
    if (!cur || *cur != cloud_.instances[r.instance].password) {
      why = r.name + ": Secret differs from the cloud";
      return false;
    }
    if (rec && rec->in_flight()) {
      why = r.name + ": a rotation is still in flight (" + rotation::to_string(rec->phase) +
            ", for " + rec->target.identity() + ", last answer " + rec->last_answer + ", blocked " +
            rec->blocked_reason + ")";
      return false;
    }
    if (!ready(r)) {
      why = r.name + ": not Ready";
      return false;
    }
  }
  return true;
}

// Faults stop; people put right what they broke; rotor must converge in bounded steps.
void World::settle() {
  faults_ = false;
  cloud_.during_call = [](const std::string&) {};
  if (cloud_.credentials_bad) {
    cloud_.credentials_bad = false;
    (void)store_.patch(
        res::kSecrets, kNs, "creds", kube::PatchType::kMerge,
        parse(R"({"data":{"secretKey":")" + base64_encode("SK-fixed-secret") + R"("}})"));
    sks_.insert("SK-fixed-secret");
  }
  std::string why;
  for (int round = 0; round < opt_.settle_rounds; ++round) {
    for (auto& r : res_) {
      if (r.duplicate) continue;
      const std::string truth = cloud_.instances[r.instance].password;
      if (target_value(r, r.key) != truth) set_target(r, truth);
      if (round == 0) {  // people undo their spec edits
        // A rotation left in flight for the instance a person pointed at by mistake waits for
        // them (TargetChanged); that instance does not exist, so they delete its record.
        if (auto rec = record(r);
            rec && rec->in_flight() && rec->target.instance_id != r.instance) {
          if (cloud_.instances.count(rec->target.instance_id))
            fail("harness: a pending password for an existing instance would be deleted");
          (void)store_.remove(res::kSecrets, kNs,
                              controller::record_secret_name(kind_of(r), r.name));
          note("person deletes the record of " + r.name + " for a mistaken instance");
          restart();  // and restarts rotor, which would otherwise save its copy again
        }
        std::string spec =
            R"({"spec":{"rotation":{"suspend":false},"instanceId":")" + r.instance + "\"";
        if (kind_of(r) == ResourceKind::kDcsInstance) spec += R"(,"method":")" + r.method + "\"";
        (void)store_.patch(controller::resource_ref(kind_of(r)), kNs, r.name,
                           kube::PatchType::kMerge, parse(spec + "}}"));
      }
      if (round > 0 && !ready(r)) {
        ++r.rotate_now;
        (void)store_.patch(controller::resource_ref(kind_of(r)), kNs, r.name,
                           kube::PatchType::kMerge,
                           parse(R"({"metadata":{"annotations":{"rotor.dev/rotate-now":")" +
                                 std::to_string(r.rotate_now) + R"("}}})"));
      }
    }
    for (auto& r : res_) ++cloud_.person_epoch[r.instance];
    note("settle round " + std::to_string(round));
    advance(std::chrono::minutes(20));
    enqueue_all();
    for (int i = 0; i < 60; ++i) {
      ++out_.stats.steps;
      auto key = proc_->queue.try_get();
      if (!key) break;
      proc_->queue.done(*key);
      proc_->queue.add(*key);
      reconcile_one();
      check("settling");
      if (!out_.ok) return;
    }
    if (converged(why)) return;
  }
  fail("I4: no convergence after the faults stopped: " + why);
}

Outcome World::run() {
  setup();
  check("start");
  for (int i = 0; i < opt_.fault_steps && out_.ok; ++i) {
    step();
    check("faults");
  }
  if (out_.ok) settle();
  if (out_.ok) check_leaks();
  out_.stats.cloud_calls = static_cast<std::uint64_t>(cloud_.calls);
  out_.stats.wrong_attempts = cloud_.wrong_attempts.size();
  for (const auto& r : res_) {
    if (auto rec = record(r)) out_.stats.rotations += static_cast<std::uint64_t>(rec->rotations);
  }
  return out_;
}

}  // namespace

Outcome run(const Options& options) {
  World world(options);
  return world.run();
}

}  // namespace rotor::dst

// `rotor rotate`: rotates one instance's password once, with the same engine as the
// operator (rotation/engine.hpp). Its store is OUT.pending: the rotation record, saved (0600,
// fsynced) before the cloud is called. An interrupted or unanswered run leaves it behind and
// the next run continues that rotation instead of starting a new one; a refused old password
// is remembered there too, so running the command again cannot walk into the lockout.
#include <boost/program_options.hpp>
#include <cstdlib>
#include <iostream>

#include "cli.hpp"
#include "cloud/password_api.hpp"
#include "http/http.hpp"
#include "rotation/engine.hpp"
#include "rotation/file_store.hpp"
#include "services.hpp"
#include "util/files.hpp"

namespace rotor::cli {
namespace {

namespace po = boost::program_options;
using cloud::OutcomeKind;

constexpr const char* kCmd = "rotate";

constexpr const char* kExitCodes = R"(
exit codes:
  0  applied: the new password is in --password-file
  1  unexpected error (I/O)
  2  usage: bad flags or input, missing credentials
  3  rejected: nothing applied (bad password, no such instance, wrong old password, ...)
  4  locked: password changes are locked; prints until when
  5  unknown outcome: the cloud may have applied it; OUT.pending is kept and re-sent next run
  6  authentication failed
  7  busy or throttled: nothing applied, try again later

credentials: CLOUD_SDK_AK, CLOUD_SDK_SK and, for temporary credentials, CLOUD_SDK_SECURITY_TOKEN.
)";

enum class Method { kAuto, kReset, kChange };

struct Request {
  ServiceName service = ServiceName::kDcs;
  Method method = Method::kAuto;
  cloud::Endpoints endpoints;
  cloud::InstanceRef ref;
  std::string username;
  std::string old_password_file;
  std::string password_file;
  bool password_free = false;
  password::Options password_options;
  http::ClientOptions http;
};

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

// Parses flags into a Request; an error message when they are not usable.
std::optional<std::string> parse(const po::variables_map& vm, Request& r) {
  for (const char* required : {"service", "region", "project-id", "instance-id"}) {
    if (!vm.count(required)) return std::string("--") + required + " is required";
  }
  const auto service = parse_service_name(vm["service"].as<std::string>());
  if (!service)
    return "unknown service '" + vm["service"].as<std::string>() +
           "' (dcs, ddm, kafka or rabbitmq)";
  r.service = *service;
  const std::string method = vm["method"].as<std::string>();
  if (method == "auto")
    r.method = Method::kAuto;
  else if (method == "reset")
    r.method = Method::kReset;
  else if (method == "change")
    r.method = Method::kChange;
  else
    return "unknown method '" + method + "' (auto, reset or change)";
  if (r.service != ServiceName::kDcs && r.method == Method::kChange)
    return "--method change is for dcs only";
  const auto cloud_kind = cloud::parse_cloud(vm["cloud"].as<std::string>());
  if (!cloud_kind)
    return "unknown cloud '" + vm["cloud"].as<std::string>() +
           "' (HuaweiCloud or OpenTelekomCloud)";
  r.endpoints.cloud = *cloud_kind;
  r.endpoints.region = vm["region"].as<std::string>();
  if (vm.count("endpoint")) {
    const std::string url = vm["endpoint"].as<std::string>();
    http::Url parsed;
    if (!http::parse_url(url, parsed))
      return "bad --endpoint '" + url + "': expected http(s)://host[:port]";
    for (auto s :
         {cloud::Service::kDcs, cloud::Service::kDdm, cloud::Service::kDms, cloud::Service::kIam}) {
      r.endpoints.overrides[s] = url;
    }
  }
  r.ref = {vm["project-id"].as<std::string>(), vm["instance-id"].as<std::string>()};
  if (vm.count("username")) r.username = vm["username"].as<std::string>();
  if (r.service == ServiceName::kDdm && r.username.empty()) return "--username is required for ddm";
  r.password_options.username = r.username;
  if (vm.count("length")) r.password_options.length = vm["length"].as<std::size_t>();
  if (vm.count("special-characters"))
    r.password_options.special_characters = vm["special-characters"].as<std::string>();
  r.password_free = vm.count("password-free") > 0;
  if (r.password_free && (r.service != ServiceName::kDcs || r.method == Method::kChange)) {
    return "--password-free is for dcs with --method auto or reset";
  }
  if (vm.count("old-password-file"))
    r.old_password_file = vm["old-password-file"].as<std::string>();
  if (r.method == Method::kChange && r.old_password_file.empty())
    return "--method change needs --old-password-file";
  if (vm.count("password-file")) r.password_file = vm["password-file"].as<std::string>();
  if (!r.password_free && r.password_file.empty()) return "--password-file is required";
  r.http.timeout = std::chrono::milliseconds(vm["timeout"].as<unsigned>() * 1000u);
  if (vm.count("ca-file")) r.http.ca_file = vm["ca-file"].as<std::string>();
  return std::nullopt;
}

int exit_code(OutcomeKind kind) {
  switch (kind) {
    case OutcomeKind::kApplied:
      return kOk;
    case OutcomeKind::kRejected:
    case OutcomeKind::kResetUnsupported:
    case OutcomeKind::kWrongOldPassword:
      return kRejected;
    case OutcomeKind::kLocked:
      return kLocked;
    case OutcomeKind::kBusy:
    case OutcomeKind::kThrottled:
      return kTryLater;
    case OutcomeKind::kAuthFailed:
      return kAuthFailed;
    case OutcomeKind::kUnknown:
      return kUnknown;
    case OutcomeKind::kNotSent:
      return kTryLater;
  }
  return kFailure;
}

rotation::Service service_of(ServiceName s) {
  switch (s) {
    case ServiceName::kDdm:
      return rotation::Service::kDdm;
    case ServiceName::kKafka:
      return rotation::Service::kKafka;
    case ServiceName::kRabbitMq:
      return rotation::Service::kRabbitMq;
    case ServiceName::kDcs:
      break;
  }
  return rotation::Service::kDcs;
}

// The exit code for a pass that did not rotate.
int exit_code(const rotation::Report& rep) {
  if (rep.store_failed) return kFailure;
  if (rep.reason == "TargetChanged") return kUsage;
  // The cloud may hold the pending password: "unknown", whatever the last answer was.
  if (rep.record.phase == rotation::Phase::kUnconfirmed) return kUnknown;
  if (rep.answer && rep.answer->kind != OutcomeKind::kApplied) return exit_code(rep.answer->kind);
  if (rep.reason == "Locked") return kLocked;
  if (rep.reason == "InternalError") return kFailure;
  return kRejected;  // blocked: a person must act first
}

}  // namespace

int rotate(const Args& args) {
  po::options_description opts("rotor rotate [options]");
  opts.add_options()("help,h", "show this help")("service", po::value<std::string>(),
                                                 "dcs, ddm, kafka or rabbitmq")(
      "cloud", po::value<std::string>()->default_value("HuaweiCloud"),
      "HuaweiCloud or OpenTelekomCloud")("region", po::value<std::string>(), "region, e.g. eu-de")(
      "project-id", po::value<std::string>(), "project id")("instance-id", po::value<std::string>(),
                                                            "instance id")(
      "endpoint", po::value<std::string>(), "base URL overriding the service endpoint")(
      "method", po::value<std::string>()->default_value("auto"), "dcs: auto, reset or change")(
      "username", po::value<std::string>(), "ddm: the account whose password is reset")(
      "old-password-file", po::value<std::string>(), "dcs change: file with the current password")(
      "password-free", "dcs: reset the instance to password-free access")(
      "use-last-attempt",
      "dcs change: send the old password even if one more wrong one locks the instance")(
      "password-file", po::value<std::string>(), "where the new password is written (0600)")(
      "length", po::value<std::size_t>(), "password length")(
      "special-characters", po::value<std::string>(), "narrower special-character set")(
      "timeout", po::value<unsigned>()->default_value(30), "seconds to wait for the cloud")(
      "ca-file", po::value<std::string>(), "PEM CA bundle to verify TLS with");
  po::variables_map vm;
  Request r;
  try {
    po::store(po::command_line_parser(args).options(opts).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
      std::cout << opts << kExitCodes;
      return kOk;
    }
    if (auto error = parse(vm, r)) {
      print_error(kCmd, *error);
      return kUsage;
    }
  } catch (const po::error& e) {
    print_error(kCmd, e.what());
    return kUsage;
  }
  const auto ak = env("CLOUD_SDK_AK");
  const auto sk = env("CLOUD_SDK_SK");
  if (!ak || !sk) {
    print_error(kCmd, "missing credentials: set CLOUD_SDK_AK and CLOUD_SDK_SK");
    return kUsage;
  }
  cloud::AccessKey key{*ak, Secret(*sk), Secret(env("CLOUD_SDK_SECURITY_TOKEN").value_or(""))};

  rotation::Intent intent;
  try {
    intent.policy = password::make_policy(policy_call(r.service, r.method == Method::kChange),
                                          r.password_options);
  } catch (const password::PolicyError& e) {
    print_error(kCmd, e.what());
    return kUsage;
  }
  intent.target = {service_of(r.service), r.ref.project_id, r.ref.instance_id, r.username};
  intent.method = r.method == Method::kChange  ? rotation::Method::kChange
                  : r.method == Method::kReset ? rotation::Method::kReset
                                               : rotation::Method::kAuto;
  intent.password_free = r.password_free;
  // The acknowledgement the engine waits for before it spends the last wrong-password
  // attempt (the operator's is a new rotor.dev/rotate-now value).
  if (vm.count("use-last-attempt")) intent.rotate_now = intent.person_token = "use-last-attempt";

  SystemClock clock;
  cloud::AkSkAuthenticator auth(std::move(key), clock);
  auto client = http::make_client(r.http);
  cloud::HttpPasswordApi api(r.endpoints, auth, *client);
  auto random = make_system_random();
  rotation::FileStore store(r.password_file, r.old_password_file);
  const rotation::Report rep =
      rotation::run_pass(intent, {api, store, clock, *random, nullptr, ""});
  for (const auto& n : rep.notices) {
    if (n.reason != "Rotated" && n.reason != rep.reason)
      std::cerr << "rotor rotate: " << n.message << "\n";
  }
  if (rep.rotated) {
    std::cerr << "rotor rotate: applied"
              << (r.password_free ? " (password-free)" : "; new password in " + r.password_file)
              << "\n";
    return kOk;
  }
  std::string message = rep.reason + ": " + rep.message;
  if (rep.record.locked_until && *rep.record.locked_until > clock.now())
    message += "; locked until " + format_rfc3339(*rep.record.locked_until);
  if (rep.record.blocked_reason == "ResetUnsupported" ||
      rep.record.blocked_reason == "NoCurrentPassword")
    message += "; pass --old-password-file to change the password instead";
  if (rep.record.blocked_reason == "NeedsConfirmation")
    message += "; if the pending password (in " + store.record_path() +
               ") opens the instance, pass it as --old-password-file to finish";
  if (rep.record.blocked_reason == "LastAttempt")
    message += "; pass --use-last-attempt to send it anyway";
  if (rep.reason == "TargetChanged")
    message += "; use another --password-file for another instance";
  if (rep.record.in_flight())
    message += "; the pending password is kept in " + store.record_path() +
               " and sent again by the next run";
  print_error(kCmd, message);
  return exit_code(rep);
}

}  // namespace rotor::cli

// `rotor rotate`: rotates one instance's password once.
//
// The new password is written to OUT.pending (0600, fsynced) before the cloud is called and
// renamed to OUT once applied. An interrupted run leaves OUT.pending behind; the next run
// sends that same password again instead of a new one, so a password the cloud may have
// taken is never lost.
#include <boost/program_options.hpp>
#include <cstdlib>
#include <iostream>

#include "cli.hpp"
#include "cloud/password_api.hpp"
#include "http/http.hpp"
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
  }
  return kFailure;
}

// One call of the chosen method; `auto` falls back to change on DCS.4839.
cloud::Outcome call_cloud(const Request& r, cloud::PasswordApi& api, const Secret& next) {
  switch (r.service) {
    case ServiceName::kDdm:
      return api.ddm_reset(r.ref, r.username, next);
    case ServiceName::kKafka:
      return api.dms_reset(r.ref, cloud::DmsEngine::kKafka, next);
    case ServiceName::kRabbitMq:
      return api.dms_reset(r.ref, cloud::DmsEngine::kRabbitMq, next);
    case ServiceName::kDcs:
      break;
  }
  if (r.method != Method::kChange) {
    cloud::Outcome o = api.dcs_reset(r.ref, next, r.password_free);
    if (r.method == Method::kReset || o.kind != OutcomeKind::kResetUnsupported) return o;
    std::cerr
        << "rotor rotate: reset is not supported for this instance (DCS.4839); changing instead\n";
    if (r.old_password_file.empty()) {
      o.message += "; --old-password-file is needed to change the password instead";
      return o;
    }
  }
  std::string error;
  const auto old_password = read_secret_file(r.old_password_file, error);
  if (!old_password) {
    cloud::Outcome o;
    o.kind = OutcomeKind::kRejected;
    o.message = error;
    return o;
  }
  return api.dcs_change(r.ref, *old_password, next);
}

// The password to send: the one an interrupted run left pending, or a new one.
std::optional<Secret> pending_password(const Request& r, const std::string& pending_path,
                                       bool& inherited, std::string& error) {
  const auto policy = password::make_policy(policy_call(r.service, r.method == Method::kChange),
                                            r.password_options);
  inherited = file_exists(pending_path);
  if (inherited) {
    auto pw = read_secret_file(pending_path, error);
    if (!pw) return std::nullopt;
    if (auto broken = password::validate(policy.rules, pw->reveal(), r.username)) {
      error = pending_path + " holds a password that breaks the policy (" + *broken +
              "); remove it only if you know the cloud never took it";
      return std::nullopt;
    }
    std::cerr << "rotor rotate: re-sending the pending password left by an interrupted run\n";
    return pw;
  }
  auto random = make_system_random();
  Secret pw = password::generate(policy, *random);
  if (auto err = write_new_private_file(pending_path, pw)) {
    error = *err;
    return std::nullopt;
  }
  return pw;
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

  const std::string pending_path = r.password_file + ".pending";
  bool inherited = false;
  Secret next;
  if (!r.password_free) {
    std::string error;
    try {
      auto pw = pending_password(r, pending_path, inherited, error);
      if (!pw) {
        print_error(kCmd, error);
        return kFailure;
      }
      next = std::move(*pw);
    } catch (const password::PolicyError& e) {
      print_error(kCmd, e.what());
      return kUsage;
    }
  }

  SystemClock clock;
  cloud::AkSkAuthenticator auth(std::move(key), clock);
  auto client = http::make_client(r.http);
  cloud::HttpPasswordApi api(r.endpoints, auth, *client);
  const cloud::Outcome outcome = call_cloud(r, api, next);

  if (outcome.applied()) {
    if (!r.password_free) {
      if (auto err = durable_rename(pending_path, r.password_file)) {
        print_error(kCmd, "applied, but " + *err + "; the new password is in " + pending_path);
        return kFailure;
      }
    }
    std::cerr << "rotor rotate: applied"
              << (r.password_free ? " (password-free)" : "; new password in " + r.password_file)
              << "\n";
    return kOk;
  }
  std::string message = outcome.describe();
  if (outcome.kind == OutcomeKind::kLocked && outcome.lock_left) {
    message += "; locked until " + format_rfc3339(clock.now() + *outcome.lock_left);
  }
  if (outcome.kind == OutcomeKind::kUnknown) {
    message += "; the cloud may have applied it: the password is kept in " + pending_path +
               " and re-sent by the next run";
  } else if (!r.password_free && !inherited) {
    // Definitely not applied by this run, which created the pending file: drop it. A file
    // inherited from an interrupted run stays: that run's call may have been applied.
    durable_remove(pending_path);
  } else if (inherited) {
    message += "; " + pending_path + " is kept: an earlier interrupted run may have applied it";
  }
  print_error(kCmd, message);
  return exit_code(outcome.kind);
}

}  // namespace rotor::cli

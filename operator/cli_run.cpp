// `rotor run`: the Kubernetes operator.
#include <boost/program_options.hpp>
#include <csignal>
#include <iostream>
#include <thread>

#include "cli.hpp"
#include "controller/operator.hpp"
#include "kube/config.hpp"
#include "kube/rest_api.hpp"
#include "runtime/cached_reads.hpp"

namespace rotor::cli {
namespace {

namespace po = boost::program_options;

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) {
  g_stop = 1;
}

std::string pod_identity() {
  const char* pod = std::getenv("POD_NAME");
  if (pod != nullptr && *pod != '\0') return pod;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) return "rotor";
  return host;
}

}  // namespace

int run(const Args& args) {
  po::options_description opts("rotor run [options]");
  opts.add_options()("help,h", "show this help")(
      "kubeconfig", po::value<std::string>(),
      "kubeconfig file (default: in-cluster configuration, else $KUBECONFIG, else ~/.kube/config)")(
      "context", po::value<std::string>()->default_value(""), "kubeconfig context")(
      "namespace", po::value<std::vector<std::string>>()->composing(),
      "watch only this namespace (repeatable; default: all namespaces)")(
      "workers", po::value<std::size_t>()->default_value(2), "concurrent reconciles")(
      "credential-namespace", po::value<std::vector<std::string>>()->composing(),
      "with --namespace: also watch credential Secrets here (repeatable)")(
      "allowed-endpoint-host", po::value<std::vector<std::string>>()->composing(),
      "a host cloud accounts may name in spec.endpoints beyond the cloud's own domains "
      "(repeatable; \".example.internal\" admits every host under it)")(
      "allow-plain-http", "let admitted hosts that are not loopback use http://")(
      "oidc-token-file",
      po::value<std::string>()->default_value("/var/run/secrets/rotor.dev/oidc/token"),
      "rotor's projected service-account token, for ClusterCloudAccounts with credentials.oidc")(
      "metadata-url", po::value<std::string>()->default_value("http://169.254.169.254"),
      "the ECS metadata service, for ClusterCloudAccounts with credentials.ecsMetadata")(
      "log-format", po::value<std::string>()->default_value("text"), "text or json")(
      "log-level", po::value<std::string>()->default_value("info"), "debug, info, warn or error");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    print_error("run", e.what());
    return kUsage;
  }
  if (vm.count("help")) {
    std::cout << opts;
    return kOk;
  }
  Logger& log = default_logger();
  const std::string format = vm["log-format"].as<std::string>();
  if (format != "text" && format != "json") {
    print_error("run", "--log-format must be text or json");
    return kUsage;
  }
  log.set_format(format == "json" ? LogFormat::kJson : LogFormat::kText);
  const std::string level = vm["log-level"].as<std::string>();
  if (level == "debug")
    log.set_level(LogLevel::kDebug);
  else if (level == "warn")
    log.set_level(LogLevel::kWarn);
  else if (level == "error")
    log.set_level(LogLevel::kError);
  else if (level != "info") {
    print_error("run", "--log-level must be debug, info, warn or error");
    return kUsage;
  }
  const std::size_t workers = vm["workers"].as<std::size_t>();
  if (workers == 0 || workers > 64) {
    print_error("run", "--workers must be between 1 and 64");
    return kUsage;
  }

  kube::Config config;
  try {
    config =
        kube::load_default_config(vm.count("kubeconfig") ? vm["kubeconfig"].as<std::string>() : "",
                                  vm["context"].as<std::string>());
  } catch (const std::exception& e) {
    print_error("run", std::string("cannot load the Kubernetes configuration: ") + e.what());
    return kUsage;
  }
  log.info("starting",
           {{"version", ROTOR_VERSION}, {"server", config.server}, {"context", config.context}});

  kube::RestApi api(config);
  SystemClock clock;
  auto random = make_system_random();
  access::EndpointPolicy endpoint_policy;
  if (vm.count("allowed-endpoint-host"))
    endpoint_policy.allowed_hosts = vm["allowed-endpoint-host"].as<std::vector<std::string>>();
  endpoint_policy.allow_plain_http = vm.count("allow-plain-http") > 0;
  controller::HttpCloudOptions cloud_options;
  cloud_options.oidc_token_file = vm["oidc-token-file"].as<std::string>();
  cloud_options.metadata_url = vm["metadata-url"].as<std::string>();
  // Reads of the resource and its account come from the operator's caches once they have
  // synced (Secrets never do; see runtime/cached_reads.hpp). The operator is built after the
  // reconciler it drives, hence the indirection through `running`.
  const controller::Operator* running = nullptr;
  runtime::CachedReads reads(
      api,
      [&running](const kube::ResourceRef& r, const std::string& ns) -> const runtime::Informer* {
        return running ? running->informer_for(r, ns) : nullptr;
      });
  controller::AccountResolver accounts(
      reads, controller::make_http_cloud_factory(clock, cloud_options), endpoint_policy);
  controller::KubeEventRecorder events(api, clock, log, pod_identity());
  // The duplicate-instance check reads the operator's caches too.
  controller::Reconciler reconciler(
      {reads, accounts, clock, *random, events, log,
       [&running](controller::ResourceKind kind) -> std::optional<std::vector<kube::Object>> {
         if (running == nullptr) return std::nullopt;
         return running->peers(kind);
       }});
  controller::OperatorOptions options;
  if (vm.count("namespace")) options.namespaces = vm["namespace"].as<std::vector<std::string>>();
  options.credential_namespaces = options.namespaces;
  if (vm.count("credential-namespace")) {
    for (const auto& ns : vm["credential-namespace"].as<std::vector<std::string>>())
      options.credential_namespaces.push_back(ns);
  }
  if (options.namespaces.empty()) options.credential_namespaces = {""};
  options.workers = workers;
  controller::Operator op(api, reconciler, clock, log, options);
  running = &op;

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  op.start();
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  log.info("signal received; stopping");
  op.stop();
  return kOk;
}

}  // namespace rotor::cli

// `rotor run`: the Kubernetes operator.
#include <atomic>
#include <boost/program_options.hpp>
#include <csignal>
#include <iostream>
#include <thread>

#include "cli.hpp"
#include "controller/metrics.hpp"
#include "controller/operator.hpp"
#include "kube/config.hpp"
#include "kube/observed_api.hpp"
#include "kube/rest_api.hpp"
#include "metrics/endpoint.hpp"
#include "metrics/process.hpp"
#include "runtime/cached_reads.hpp"
#include "runtime/leader_election.hpp"
#include "util/crypto.hpp"

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

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

// Unique per process, so that a restarted pod never mistakes the Lease of its previous
// life for its own: the pod name and a random suffix, as client-go does.
std::string election_identity(RandomSource& random) {
  unsigned char suffix[6];
  random.fill(suffix, sizeof suffix);
  return pod_identity() + "_" + to_hex(suffix, sizeof suffix);
}

// Go-style durations as controller-runtime's flags take them: "15s", "1m30s", "500ms".
std::optional<Duration> parse_duration(const std::string& text) {
  using namespace std::chrono;
  Duration total{};
  std::size_t i = 0;
  if (text.empty()) return std::nullopt;
  while (i < text.size()) {
    std::size_t digits = i;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
    if (digits == i || digits - i > 9) return std::nullopt;
    const long long n = std::stoll(text.substr(i, digits - i));
    std::size_t unit_end = digits;
    while (unit_end < text.size() && std::isalpha(static_cast<unsigned char>(text[unit_end])))
      ++unit_end;
    const std::string unit = text.substr(digits, unit_end - digits);
    if (unit == "ms")
      total += milliseconds(n);
    else if (unit == "s")
      total += seconds(n);
    else if (unit == "m")
      total += minutes(n);
    else if (unit == "h")
      total += hours(n);
    else
      return std::nullopt;
    i = unit_end;
  }
  return total;
}

// The /metrics and the /healthz + /readyz listeners; both on one port if they name the same
// address.
struct Endpoints {
  std::vector<std::unique_ptr<metrics::Endpoint>> running;

  void stop() {
    for (auto& e : running) e->stop();
  }
};

}  // namespace

int run(const Args& args) {
  po::options_description opts("rotor run [options]");
  opts.add_options()("help,h", "show this help")(
      "kubeconfig", po::value<std::string>(),
      "kubeconfig file (default: in-cluster configuration, else $KUBECONFIG, else ~/.kube/config)")(
      "context", po::value<std::string>()->default_value(""), "kubeconfig context")(
      "namespace", po::value<std::vector<std::string>>()->composing(),
      "watch only this namespace (repeatable; default: all namespaces)")(
      "workers", po::value<std::size_t>()->default_value(2), "concurrent reconciles while idle")(
      "max-workers", po::value<std::size_t>()->default_value(32),
      "concurrent reconciles at most, while resources wait (cloud calls keep each account's "
      "learned pace)")("credential-namespace", po::value<std::vector<std::string>>()->composing(),
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
      "leader-elect", po::value<bool>()->default_value(true)->implicit_value(true),
      "only the replica holding the Lease reconciles (--leader-elect=false: this one always)")(
      "leader-election-namespace", po::value<std::string>()->default_value(""),
      "namespace of the Lease (default: $POD_NAMESPACE, else rotor-system)")(
      "leader-election-id", po::value<std::string>()->default_value("rotor"), "name of the Lease")(
      "lease-duration", po::value<std::string>()->default_value("15s"),
      "how long a standby waits after the leader's last renewal before taking over")(
      "renew-deadline", po::value<std::string>()->default_value("10s"),
      "how long the leader keeps trying to renew before it stops leading")(
      "retry-period", po::value<std::string>()->default_value("2s"),
      "how often candidates try to take the Lease and the leader renews it")(
      "metrics-bind-address", po::value<std::string>()->default_value(":8080"),
      "address of /metrics (0 disables)")("health-probe-bind-address",
                                          po::value<std::string>()->default_value(":8081"),
                                          "address of /healthz and /readyz (0 disables)")(
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
  const std::size_t max_workers = vm["max-workers"].as<std::size_t>();
  if (max_workers < workers || max_workers > 256) {
    print_error("run", "--max-workers must be between --workers and 256");
    return kUsage;
  }

  runtime::LeaderElectionOptions election;
  const bool leader_elect = vm["leader-elect"].as<bool>();
  election.lease_namespace = vm["leader-election-namespace"].as<std::string>();
  if (election.lease_namespace.empty())
    election.lease_namespace = env_or("POD_NAMESPACE", "rotor-system");
  election.lease_name = vm["leader-election-id"].as<std::string>();
  election.identity = "-";  // set once the random source exists; validated here
  for (const auto& [flag, field] : {std::pair{"lease-duration", &election.lease_duration},
                                    std::pair{"renew-deadline", &election.renew_deadline},
                                    std::pair{"retry-period", &election.retry_period}}) {
    const auto d = parse_duration(vm[flag].as<std::string>());
    if (!d) {
      print_error("run", std::string("--") + flag + " must be a duration such as 15s or 1m");
      return kUsage;
    }
    *field = *d;
  }
  if (const std::string why = runtime::validate(election); leader_elect && !why.empty()) {
    print_error("run", "leader election: " + why);
    return kUsage;
  }
  std::optional<metrics::BindAddress> metrics_address, health_address;
  for (const auto& [flag, out] : {std::pair{"metrics-bind-address", &metrics_address},
                                  std::pair{"health-probe-bind-address", &health_address}}) {
    std::string error;
    *out = metrics::parse_bind_address(vm[flag].as<std::string>(), error);
    if (!error.empty()) {
      print_error("run", std::string("--") + flag + ": " + error);
      return kUsage;
    }
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

  metrics::Registry registry;
  metrics::register_process_metrics(registry);
  controller::OperatorMetrics operator_metrics(registry);
  // Every API request, whoever makes it, is counted (rotor_kube_requests_total).
  const kube::RequestObserver count_request =
      [&operator_metrics](std::string_view verb, std::string_view resource, std::string_view code) {
        operator_metrics.on_kube_request(verb, resource, code);
      };
  kube::RestApi rest_api(config);
  kube::ObservedApi api(rest_api, count_request);
  SystemClock clock;
  auto random = make_system_random();
  access::EndpointPolicy endpoint_policy;
  if (vm.count("allowed-endpoint-host"))
    endpoint_policy.allowed_hosts = vm["allowed-endpoint-host"].as<std::vector<std::string>>();
  endpoint_policy.allow_plain_http = vm.count("allow-plain-http") > 0;
  controller::HttpCloudOptions cloud_options;
  cloud_options.oidc_token_file = vm["oidc-token-file"].as<std::string>();
  cloud_options.metadata_url = vm["metadata-url"].as<std::string>();
  cloud_options.rates = std::make_shared<cloud::RateRegistry>();
  // Reads of the resource, its account and its Secrets come from the operator's caches once
  // they have synced (see runtime/cached_reads.hpp). The operator is built after the
  // reconciler it drives, hence the indirection through `running`.
  const controller::Operator* running = nullptr;
  runtime::CachedReads reads(
      api,
      [&running](const kube::ResourceRef& r, const std::string& ns) -> const runtime::Informer* {
        return running ? running->informer_for(r, ns) : nullptr;
      },
      clock);
  controller::AccountResolver accounts(
      reads, controller::make_http_cloud_factory(clock, cloud_options), endpoint_policy);
  controller::KubeEventRecorder events(api, clock, log, pod_identity());
  // The duplicate-instance check reads the operator's caches too.
  controller::Reconciler reconciler(
      {reads, accounts, clock, *random, events, log,
       [&running](controller::ResourceKind kind,
                  const std::string& instance) -> std::optional<std::vector<kube::Object>> {
         if (running == nullptr) return std::nullopt;
         return running->peers(kind, instance);
       },
       &operator_metrics});
  controller::OperatorOptions options;
  if (vm.count("namespace")) options.namespaces = vm["namespace"].as<std::vector<std::string>>();
  options.credential_namespaces = options.namespaces;
  if (vm.count("credential-namespace")) {
    for (const auto& ns : vm["credential-namespace"].as<std::vector<std::string>>())
      options.credential_namespaces.push_back(ns);
  }
  if (options.namespaces.empty()) options.credential_namespaces = {""};
  options.workers = workers;
  options.max_workers = max_workers;
  // Threads waiting for their account's turn are not short of threads.
  options.may_grow = [rates = cloud_options.rates](std::size_t threads) {
    return rates->waiting() * 2 < threads;
  };
  options.observer = &operator_metrics;
  controller::Operator op(api, reconciler, clock, log, options);
  running = &op;
  operator_metrics.watch_queue(op.queue());

  Endpoints endpoints;
  {
    std::map<std::string, metrics::Endpoint::Page> metrics_pages = {
        {"/metrics", [&registry] {
           return metrics::Endpoint::text(200, registry.expose(), metrics::kContentType);
         }}};
    std::map<std::string, metrics::Endpoint::Page> health_pages = {
        {"/healthz", [] { return metrics::Endpoint::text(200, "ok\n"); }},
        // Ready once every cache has synced, leader or standby alike.
        {"/readyz", [&op] {
           return op.synced() ? metrics::Endpoint::text(200, "ok\n")
                              : metrics::Endpoint::text(503, "informers not synced\n");
         }}};
    const bool shared = metrics_address && health_address &&
                        metrics_address->host == health_address->host &&
                        metrics_address->port == health_address->port;
    if (shared) metrics_pages.insert(health_pages.begin(), health_pages.end());
    std::vector<std::pair<std::optional<metrics::BindAddress>,
                          std::map<std::string, metrics::Endpoint::Page>>>
        listeners = {{metrics_address, metrics_pages}};
    if (!shared) listeners.push_back({health_address, health_pages});
    for (auto& [address, pages] : listeners) {
      if (!address) continue;
      auto endpoint = std::make_unique<metrics::Endpoint>(std::move(pages));
      try {
        const int port = endpoint->start(*address);
        log.info("serving", {{"address", address->host + ":" + std::to_string(port)}});
      } catch (const std::exception& e) {
        print_error("run", e.what());
        return kFailure;
      }
      endpoints.running.push_back(std::move(endpoint));
    }
  }

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  // Every replica watches, so a standby's caches are warm when it takes over.
  op.start_informers();
  std::atomic<bool> lost{false};
  // The elector's own clock: its attempts block on API calls in that clock's timer thread,
  // which must not hold up the work queue's timers.
  SystemClock election_clock;
  std::unique_ptr<runtime::LeaderElector> elector;
  // A client of its own whose requests cannot hang past the Lease's end.
  kube::RestOptions election_rest;
  election_rest.request_timeout = runtime::election_request_timeout(election);
  kube::RestApi election_rest_api(config, election_rest);
  kube::ObservedApi election_api(election_rest_api, count_request);
  // The takeover's Event goes through the elector's client too: its short timeout keeps the
  // call, made on the elector's thread, from delaying the next renewal much.
  controller::KubeEventRecorder lease_events(election_api, clock, log, pod_identity());
  if (leader_elect) {
    election.identity = election_identity(*random);
    elector = std::make_unique<runtime::LeaderElector>(
        election_api, election_clock, log, election,
        runtime::LeaderCallbacks{[&] {
                                   operator_metrics.set_leader(true);
                                   op.start_workers();
                                   lease_events.leader_elected(
                                       election.lease_namespace, election.lease_name,
                                       elector->lease_uid(), election.identity);
                                 },
                                 [&] {
                                   // Another replica may lead now: take no new work at
                                   // once; in-flight reconciles finish (their records are
                                   // written before any cloud call).
                                   operator_metrics.set_leader(false);
                                   cloud_options.rates->close();
                                   op.stop_workers();
                                   lost = true;
                                 }});
    elector->start();
  } else {
    operator_metrics.set_leader(true);
    op.start_workers();
  }
  while (!g_stop && !lost) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  if (lost) {
    // As controller-runtime: exit, and come back (restarted by the Deployment) as a standby.
    log.error("leadership lost; exiting");
    op.stop();
    endpoints.stop();
    return kFailure;
  }
  log.info("signal received; stopping");
  cloud_options.rates->close();  // reconciles parked on a turn give up now (nothing sent)
  op.stop_workers();             // in-flight reconciles finish first
  if (elector) elector->stop();  // then hand the Lease over
  operator_metrics.set_leader(false);
  op.stop();
  endpoints.stop();
  return kOk;
}

}  // namespace rotor::cli

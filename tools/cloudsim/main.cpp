// rotor-cloudsim: the simulated Huawei Cloud / Open Telekom Cloud that rotor's integration
// tests run against (src/sim/simulator.hpp). Prints its URL on stdout once listening, logs
// every call to stderr (never a password or a key), and stops cleanly on SIGINT/SIGTERM.
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "http/server.hpp"
#include "sim/config.hpp"
#include "sim/simulator.hpp"
#include "util/log.hpp"

namespace po = boost::program_options;
using namespace rotor;

namespace {

constexpr const char* kUsage =
    "usage: rotor-cloudsim [--listen HOST:PORT] [--config FILE.yaml] [--ak AK --sk-file F]...\n"
    "                      [--seed N] [--port-file F] [--threads N] [--log-format text|json]\n"
    "                      [--verbose]\n";

bool split_listen(const std::string& text, std::string& host, int& port) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = text.substr(0, colon);
  if (host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  try {
    std::size_t used = 0;
    port = std::stoi(text.substr(colon + 1), &used);
    return used == text.size() - colon - 1 && port >= 0 && port <= 65535;
  } catch (const std::exception&) {
    return false;
  }
}

// Written to a temporary name and renamed, so a test polling the file never reads half a URL.
void write_port_file(const std::string& path, const std::string& url) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << url << "\n";
    if (!out) throw std::runtime_error("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, path);
}

int run(int argc, char** argv) {
  po::options_description desc("options");
  desc.add_options()("help,h", "show this help")(
      "listen", po::value<std::string>()->default_value("127.0.0.1:0"), "address:port (0: any)")(
      "config", po::value<std::string>(), "YAML configuration")(
      "ak", po::value<std::vector<std::string>>()->composing(), "access key id (repeatable)")(
      "sk-file", po::value<std::vector<std::string>>()->composing(),
      "file holding the secret key of the --ak at the same position")(
      "seed", po::value<std::uint64_t>(), "seed of the fault rates (default: config, else 1)")(
      "port-file", po::value<std::string>(), "write the URL here once listening")(
      "threads", po::value<int>()->default_value(4), "worker threads")(
      "log-format", po::value<std::string>()->default_value("text"), "text or json")(
      "verbose", "also log admin calls");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "rotor-cloudsim: " << e.what() << "\n" << kUsage;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << kUsage << desc;
    return 0;
  }
  std::string host;
  int port = 0;
  if (!split_listen(vm["listen"].as<std::string>(), host, port)) {
    std::cerr << "rotor-cloudsim: --listen must be HOST:PORT\n";
    return 2;
  }
  const auto aks =
      vm.count("ak") ? vm["ak"].as<std::vector<std::string>>() : std::vector<std::string>{};
  const auto sks = vm.count("sk-file") ? vm["sk-file"].as<std::vector<std::string>>()
                                       : std::vector<std::string>{};
  if (aks.size() != sks.size()) {
    std::cerr << "rotor-cloudsim: every --ak needs its --sk-file\n";
    return 2;
  }

  Logger& logger = default_logger();
  logger.set_format(vm["log-format"].as<std::string>() == "json" ? LogFormat::kJson
                                                                 : LogFormat::kText);
  if (vm.count("verbose")) logger.set_level(LogLevel::kDebug);

  // Signals are taken by sigwait below; blocked before any thread starts so none of the
  // workers is interrupted by them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  sim::OffsetClock clock;
  std::optional<sim::Json> config;
  std::uint64_t seed = 1;
  try {
    if (vm.count("config")) config = sim::load_config_file(vm["config"].as<std::string>());
    if (config && config->has_field("seed") && config->at("seed").is_integer()) {
      seed = config->at("seed").as_number().to_uint64();
    }
    if (vm.count("seed")) seed = vm["seed"].as<std::uint64_t>();
  } catch (const sim::SpecError& e) {
    std::cerr << "rotor-cloudsim: " << e.what() << "\n";
    return 2;
  }
  sim::Simulator simulator(clock, seed);
  simulator.set_logger(&logger);
  try {
    if (config) simulator.configure(*config);
    for (std::size_t i = 0; i < aks.size(); ++i) {
      sim::Json key = sim::Json::object();
      key["ak"] = sim::Json::string(aks[i]);
      key["sk"] = sim::Json::string(sim::read_secret_file(sks[i]));
      sim::Json creds = sim::Json::object();
      creds["access_keys"][0] = key;
      simulator.put_credentials(creds);
    }
  } catch (const sim::SpecError& e) {
    std::cerr << "rotor-cloudsim: " << e.what() << "\n";
    return 2;
  }

  http::ServerOptions options;
  options.threads = std::max(1, vm["threads"].as<int>());
  http::Server server([&simulator](const http::ServerRequest& r) { return simulator.handle(r); },
                      options);
  int bound = 0;
  try {
    bound = server.start(host, port);
  } catch (const std::exception& e) {
    std::cerr << "rotor-cloudsim: " << e.what() << "\n";
    return 1;
  }
  const bool v6 = host.find(':') != std::string::npos;
  const std::string url = "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(bound);
  if (vm.count("port-file")) write_port_file(vm["port-file"].as<std::string>(), url);
  std::cout << url << std::endl;
  logger.info("listening", {{"url", url}, {"seed", std::to_string(seed)}});

  int sig = 0;
  sigwait(&signals, &sig);
  logger.info("stopping", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
  server.stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "rotor-cloudsim: " << e.what() << "\n";
    return 1;
  }
}

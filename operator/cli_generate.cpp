// `rotor generate`: prints compliant passwords, one a line.
#include <boost/program_options.hpp>
#include <iostream>

#include "cli.hpp"
#include "services.hpp"

namespace rotor::cli {

namespace po = boost::program_options;

int generate(const Args& args) {
  po::options_description opts("rotor generate [options]");
  opts.add_options()("help,h", "show this help")("service", po::value<std::string>(),
                                                 "dcs, ddm, kafka or rabbitmq (required)")(
      "length", po::value<std::size_t>(), "password length (default 32, within the call's policy)")(
      "special-characters", po::value<std::string>(),
      "a subset of the call's special characters to draw from")(
      "username", po::value<std::string>(), "DDM: the account name the password must differ from")(
      "count", po::value<unsigned>()->default_value(1), "how many passwords");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    print_error("generate", e.what());
    return kUsage;
  }
  if (vm.count("help")) {
    std::cout << opts;
    return kOk;
  }
  if (!vm.count("service")) {
    print_error("generate", "--service is required (dcs, ddm, kafka or rabbitmq)");
    return kUsage;
  }
  const auto service = parse_service_name(vm["service"].as<std::string>());
  if (!service) {
    print_error("generate", "unknown service '" + vm["service"].as<std::string>() +
                                "' (dcs, ddm, kafka or rabbitmq)");
    return kUsage;
  }
  password::Options options;
  if (vm.count("length")) options.length = vm["length"].as<std::size_t>();
  if (vm.count("special-characters"))
    options.special_characters = vm["special-characters"].as<std::string>();
  if (vm.count("username")) options.username = vm["username"].as<std::string>();
  password::Policy policy;
  try {
    policy = password::make_policy(policy_call(*service, false), options);
  } catch (const password::PolicyError& e) {
    print_error("generate", e.what());
    return kUsage;
  }
  auto random = make_system_random();
  const unsigned count = vm["count"].as<unsigned>();
  for (unsigned i = 0; i < count; ++i) {
    const Secret pw = password::generate(policy, *random);
    std::cout << pw.reveal() << "\n";
  }
  return kOk;
}

}  // namespace rotor::cli

// rotor: rotates managed-service passwords on Huawei Cloud and Open Telekom Cloud.
#include <exception>
#include <iostream>

#include "cli.hpp"

namespace {

constexpr const char* kUsage = R"(usage: rotor <command> [options]

commands:
  generate   print compliant passwords for a service's password call
  rotate     rotate one instance's password once, into a file
  run        run the Kubernetes operator
  version    print the version

`rotor <command> --help` describes each command.
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return rotor::cli::kUsage;
  }
  const std::string command = argv[1];
  const rotor::cli::Args args(argv + 2, argv + argc);
  try {
    if (command == "generate") return rotor::cli::generate(args);
    if (command == "rotate") return rotor::cli::rotate(args);
    if (command == "run") return rotor::cli::run(args);
    if (command == "version" || command == "--version") {
      std::cout << "rotor " << ROTOR_VERSION << "\n";
      return rotor::cli::kOk;
    }
    if (command == "--help" || command == "-h" || command == "help") {
      std::cout << kUsage;
      return rotor::cli::kOk;
    }
    rotor::cli::print_error(command, "unknown command (see rotor --help)");
    return rotor::cli::kUsage;
  } catch (const std::exception& e) {
    rotor::cli::print_error(command, e.what());
    return rotor::cli::kFailure;
  }
}

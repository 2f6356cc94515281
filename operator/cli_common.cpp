#include <iostream>

#include "cli.hpp"

namespace rotor::cli {

void print_error(const std::string& command, const std::string& message) {
  std::cerr << "rotor " << command << ": " << message << "\n";
}

}  // namespace rotor::cli

#pragma once
// The `rotor` command line: one function per subcommand, each returning an exit code.
#include <string>
#include <vector>

namespace rotor::cli {

// Documented exit codes (README, `rotor rotate --help`).
enum ExitCode : int {
  kOk = 0,
  kFailure = 1,     // an unexpected error (I/O, a bug)
  kUsage = 2,       // bad flags, bad input, missing credentials
  kRejected = 3,    // the cloud refused; nothing applied
  kLocked = 4,      // password changes are locked; prints until when
  kUnknown = 5,     // the cloud may have applied it; the pending file is kept
  kAuthFailed = 6,  // credentials refused
  kTryLater = 7,    // busy or throttled; nothing applied
};

using Args = std::vector<std::string>;

int generate(const Args& args);
int rotate(const Args& args);
int run(const Args& args);

// A one-line error on stderr, "rotor <command>: <message>".
void print_error(const std::string& command, const std::string& message);

}  // namespace rotor::cli

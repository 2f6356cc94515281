#pragma once
// A throw-away PKI for TLS tests and benches: a CA, a server certificate for 127.0.0.1 and
// localhost, and a client certificate, all made in memory (EC P-256, valid for a day).
#include <string>

namespace rotor::testing {

struct CertifiedKey {
  std::string cert_pem;
  std::string key_pem;
};

struct TestPki {
  CertifiedKey ca;
  CertifiedKey server;  // SAN: IP 127.0.0.1, DNS localhost
  CertifiedKey client;  // CN "rotor-test-client", for client authentication

  // `ca_name` distinguishes two PKIs whose certificates must not verify each other.
  static TestPki make(const std::string& ca_name = "rotor test CA");
};

}  // namespace rotor::testing

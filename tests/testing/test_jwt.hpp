#pragma once
// RS256 service-account tokens for tests: a fresh RSA key, its JWKS as kube-apiserver
// serves it, and JWTs signed with it.
#include <memory>
#include <string>

namespace rotor::testing {

class JwtSigner {
 public:
  explicit JwtSigner(std::string kid = "test-key");  // generates a 2048-bit RSA key
  ~JwtSigner();
  JwtSigner(const JwtSigner&) = delete;
  JwtSigner& operator=(const JwtSigner&) = delete;

  // {"keys":[{"kty":"RSA","alg":"RS256","use":"sig","kid","n","e"}]}
  std::string jwks() const;
  // header.payload.signature with header {"alg":"RS256","kid"}; `claims_json` as given.
  std::string sign(const std::string& claims_json) const;

 private:
  struct Key;
  std::string kid_;
  std::unique_ptr<Key> key_;
};

}  // namespace rotor::testing

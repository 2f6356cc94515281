#include "testing/test_jwt.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <stdexcept>
#include <vector>

#include "util/base64.hpp"

namespace rotor::testing {

struct JwtSigner::Key {
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

namespace {

std::string bn_param(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) throw std::runtime_error("no RSA parameter");
  std::vector<unsigned char> bytes(static_cast<std::size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, bytes.data());
  BN_free(bn);
  return base64url_encode(std::string(bytes.begin(), bytes.end()));
}

}  // namespace

JwtSigner::JwtSigner(std::string kid) : kid_(std::move(kid)), key_(std::make_unique<Key>()) {
  key_->pkey = EVP_RSA_gen(2048);
  if (!key_->pkey) throw std::runtime_error("RSA key generation failed");
}

JwtSigner::~JwtSigner() = default;

std::string JwtSigner::jwks() const {
  return R"({"keys":[{"kty":"RSA","alg":"RS256","use":"sig","kid":")" + kid_ + R"(","n":")" +
         bn_param(key_->pkey, OSSL_PKEY_PARAM_RSA_N) + R"(","e":")" +
         bn_param(key_->pkey, OSSL_PKEY_PARAM_RSA_E) + R"("}]})";
}

std::string JwtSigner::sign(const std::string& claims_json) const {
  const std::string signed_part = base64url_encode(R"({"alg":"RS256","kid":")" + kid_ + R"("})") +
                                  "." + base64url_encode(claims_json);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  std::size_t len = 0;
  std::vector<unsigned char> sig;
  bool ok =
      md && EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, key_->pkey) == 1 &&
      EVP_DigestSign(md, nullptr, &len, reinterpret_cast<const unsigned char*>(signed_part.data()),
                     signed_part.size()) == 1;
  if (ok) {
    sig.resize(len);
    ok = EVP_DigestSign(md, sig.data(), &len,
                        reinterpret_cast<const unsigned char*>(signed_part.data()),
                        signed_part.size()) == 1;
  }
  EVP_MD_CTX_free(md);
  if (!ok) throw std::runtime_error("RS256 signing failed");
  return signed_part + "." +
         base64url_encode(std::string(sig.begin(), sig.begin() + static_cast<long>(len)));
}

}  // namespace rotor::testing

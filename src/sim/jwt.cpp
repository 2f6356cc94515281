#include "sim/jwt.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>
#include <vector>

#include "util/base64.hpp"

namespace rotor::sim {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Bignum = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ParamBuild = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;

Bignum bignum(const std::string& b64url) {
  const auto bytes = base64url_decode(b64url);
  if (!bytes || bytes->empty()) return nullptr;
  return Bignum(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes->data()),
                          static_cast<int>(bytes->size()), nullptr));
}

// The RSA public key of a JWK ({"kty":"RSA","n","e"}), nullptr if it is not one.
Pkey rsa_key(const Json& jwk) {
  const Json* kty = member(jwk, "kty");
  const Json* n = member(jwk, "n");
  const Json* e = member(jwk, "e");
  if (!kty || !kty->is_string() || kty->as_string() != "RSA" || !n || !n->is_string() || !e ||
      !e->is_string()) {
    return nullptr;
  }
  Bignum bn_n = bignum(n->as_string());
  Bignum bn_e = bignum(e->as_string());
  ParamBuild build(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !build ||
      !OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
      !OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get())) {
    return nullptr;
  }
  Params params(OSSL_PARAM_BLD_to_param(build.get()));
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0) {
    return nullptr;
  }
  return Pkey(key);
}

bool verify(EVP_PKEY* key, const std::string& signed_part, const std::string& signature) {
  MdCtx md(EVP_MD_CTX_new());
  if (!md || EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, key) <= 0) {
    return false;
  }
  return EVP_DigestVerify(
             md.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
             reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size()) == 1;
}

std::optional<Json> decode_part(const std::string& part) {
  const auto text = base64url_decode(part);
  Json v;
  if (!text || !parse_object(*text, v)) return std::nullopt;
  return v;
}

// The JWKS's "keys" array, or nullptr.
const Json* jwk_list(const std::string& jwks, Json& doc) {
  if (!parse_object(jwks, doc)) return nullptr;
  const Json* keys = member(doc, "keys");
  return keys && keys->is_array() ? keys : nullptr;
}

}  // namespace

std::optional<Json> verify_rs256(const std::string& jwt, const std::string& jwks,
                                 std::string& why) {
  const auto dot1 = jwt.find('.');
  const auto dot2 = dot1 == std::string::npos ? dot1 : jwt.find('.', dot1 + 1);
  if (dot2 == std::string::npos || jwt.find('.', dot2 + 1) != std::string::npos) {
    why = "the id_token is not a JWS in compact form";
    return std::nullopt;
  }
  const auto header = decode_part(jwt.substr(0, dot1));
  auto payload = decode_part(jwt.substr(dot1 + 1, dot2 - dot1 - 1));
  const auto signature = base64url_decode(jwt.substr(dot2 + 1));
  if (!header || !payload || !signature) {
    why = "the id_token cannot be decoded";
    return std::nullopt;
  }
  const Json* alg = member(*header, "alg");
  if (!alg || !alg->is_string() || alg->as_string() != "RS256") {
    why = "the id_token is not signed with RS256";
    return std::nullopt;
  }
  const Json* kid = member(*header, "kid");
  Json doc;
  const auto* keys = jwk_list(jwks, doc);
  if (keys) {
    for (const auto& jwk : keys->as_array()) {
      const Json* id = member(jwk, "kid");
      if (kid && kid->is_string() &&
          (!id || !id->is_string() || id->as_string() != kid->as_string())) {
        continue;
      }
      Pkey key = rsa_key(jwk);
      if (key && verify(key.get(), jwt.substr(0, dot2), *signature)) return payload;
    }
  }
  why = "the id_token signature does not verify";
  return std::nullopt;
}

void check_jwks(const std::string& jwks) {
  Json doc;
  const auto* keys = jwk_list(jwks, doc);
  if (!keys) throw SpecError("field 'jwks' must be a JWKS: an object with a 'keys' list");
  for (const auto& jwk : keys->as_array()) {
    if (rsa_key(jwk)) return;
  }
  throw SpecError("field 'jwks' holds no RSA key (kty RSA with n and e)");
}

}  // namespace rotor::sim

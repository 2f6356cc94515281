// The parsers of credential answers: temporary AK/SK from Pod Identity or ECS metadata
// (parse_temporary_key), the expiry of an IAM token answer (token_expiry), and the RFC 3339
// times both carry. A key that parses is complete and survives being written out in the
// documented shape and read again; a time that parses survives format and parse.
#include <string>

#include "cloud/federated_auth.hpp"
#include "cloud/temporary_key.hpp"
#include "fuzz_check.hpp"
#include "util/json.hpp"

namespace {

void check_time(const std::string& text) {
  rotor::TimePoint t;
  if (!rotor::parse_rfc3339(text, t)) return;
  rotor::TimePoint again;
  FUZZ_CHECK(rotor::parse_rfc3339(rotor::format_rfc3339(t), again) && again == t,
             "a time survives format and parse");
}

void check_key(const std::string& body) {
  const auto key = rotor::cloud::parse_temporary_key(body);
  if (!key) return;
  FUZZ_CHECK(!key->key.access_key.empty() && !key->key.secret_key.empty() &&
                 !key->key.security_token.empty(),
             "a key that parses is complete");
  rotor::Json cred = rotor::Json::object();
  cred["access"] = rotor::Json::string(key->key.access_key);
  cred["secret"] = rotor::Json::string(key->key.secret_key.reveal());
  cred["securitytoken"] = rotor::Json::string(key->key.security_token.reveal());
  cred["expires_at"] = rotor::Json::string(rotor::format_rfc3339(key->expires_at));
  rotor::Json answer = rotor::Json::object();
  answer["credential"] = cred;
  const auto again = rotor::cloud::parse_temporary_key(rotor::to_json_string(answer));
  FUZZ_CHECK(again && again->key.access_key == key->key.access_key &&
                 again->key.secret_key == key->key.secret_key &&
                 again->key.security_token == key->key.security_token &&
                 again->expires_at == key->expires_at,
             "a key survives being written out and read again");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  check_time(text);
  check_key(text);
  if (const auto expiry = rotor::cloud::token_expiry(text)) {
    FUZZ_CHECK(expiry->time_since_epoch().count() % 1'000'000'000 == 0,
               "an IAM expiry is whole seconds (fractions are dropped)");
  }
  return 0;
}

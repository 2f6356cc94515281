#pragma once
// Temporary AK/SK/security tokens handed out by the platform instead of a static key:
// CCE Pod Identity and the ECS metadata service (api-notes "Credentials without a static
// AK/SK"). A source fetches one; TemporaryKeyAuthenticator (federated_auth.hpp) caches it.
#include <optional>
#include <string>
#include <variant>

#include "cloud/outcome.hpp"
#include "cloud/signer.hpp"
#include "http/http.hpp"
#include "util/clock.hpp"

namespace rotor::cloud {

struct TemporaryKey {
  AccessKey key;  // security_token set
  TimePoint expires_at{};
};

class TemporaryKeySource {
 public:
  virtual ~TemporaryKeySource() = default;
  // A fresh key, or why not: kAuthFailed when refused, kThrottled, else kNotSent. Never
  // kUnknown, and never a key or token in the message.
  virtual std::variant<TemporaryKey, Outcome> fetch() = 0;
};

// Reads a credential answer as the official SDKs do: the fields sit at the top level or
// under "credential" / "credentials"; access|accessKeyId|access_key_id,
// secret|secretAccessKey|secret_access_key, securitytoken|securityToken|security_token,
// expires_at|expiration (RFC 3339). nullopt when a field is missing.
std::optional<TemporaryKey> parse_temporary_key(const std::string& body);

// CCE Pod Identity: POST <uri> with "Authorization: <token file>" and body {}. The token
// file is projected and rotated by the kubelet, so it is read again on every fetch.
class PodIdentitySource final : public TemporaryKeySource {
 public:
  static constexpr const char* kUriEnv = "HC_CONTAINER_CREDENTIALS_FULL_URI";
  static constexpr const char* kTokenFileEnv = "HC_CONTAINER_AUTHORIZATION_TOKEN_FILE";

  PodIdentitySource(std::string uri, std::string token_file, http::Client& client)
      : uri_(std::move(uri)), token_file_(std::move(token_file)), client_(client) {}
  std::variant<TemporaryKey, Outcome> fetch() override;

 private:
  std::string uri_;
  std::string token_file_;
  http::Client& client_;
};

// The URI and token file CCE injects into the pod; nullopt unless both are set.
struct PodIdentityEnvironment {
  std::string uri;
  std::string token_file;
};
std::optional<PodIdentityEnvironment> pod_identity_from_environment();

// ECS agency credentials: GET {base}/openstack/latest/securitykey. Every pod on the node
// may read them, which is why Pod Identity or OIDC are preferable where available.
class EcsMetadataSource final : public TemporaryKeySource {
 public:
  static constexpr const char* kDefaultBaseUrl = "http://169.254.169.254";

  EcsMetadataSource(std::string base_url, http::Client& client)
      : base_url_(std::move(base_url)), client_(client) {}
  std::variant<TemporaryKey, Outcome> fetch() override;

 private:
  std::string base_url_;
  http::Client& client_;
};

}  // namespace rotor::cloud

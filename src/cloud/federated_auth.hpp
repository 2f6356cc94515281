#pragma once
// Authenticating without a static AK/SK (api-notes "Credentials without a static AK/SK"):
// an IAM token from a Kubernetes service-account token (OIDC federation), or temporary
// AK/SK from Pod Identity / ECS metadata. Both cache what they fetched and fetch again
// shortly before it expires; a failed fetch follows token_failure_kind (auth.hpp).
#include <memory>
#include <mutex>
#include <optional>

#include "cloud/auth.hpp"
#include "cloud/temporary_key.hpp"

namespace rotor::cloud {

// The official SDKs renew temporary credentials when less than 40 minutes remain.
inline constexpr auto kCredentialRefreshMargin = std::chrono::minutes(40);

// When to fetch again a credential obtained at `obtained` that expires at `expires`:
// 40 minutes before expiry, or halfway through its life if it lives less than 80 minutes,
// so a short-lived credential is neither used to the last second nor fetched per request.
TimePoint refresh_time(TimePoint obtained, TimePoint expires);

// The expiry IAM states in the body of a token answer (`token.expires_at`, RFC 3339);
// nullopt when the body does not say or is not JSON.
std::optional<TimePoint> token_expiry(const std::string& body);

struct OidcSettings {
  std::string token_file;  // the projected service-account token (a JWT), re-read each time
  std::string idp_id;      // the IAM identity provider, sent as X-Idp-Id
  std::string project_id;  // the token's scope
  std::string iam_base_url;
};

// POST {iam}/v3.0/OS-AUTH/id-token/tokens; the IAM token (X-Subject-Token) is sent as
// X-Auth-Token. Thread-safe.
class OidcTokenAuthenticator final : public Authenticator {
 public:
  OidcTokenAuthenticator(OidcSettings settings, http::Client& client, const Clock& clock)
      : settings_(std::move(settings)), client_(client), clock_(clock) {}
  std::optional<Outcome> authenticate(http::Request& request) override;
  void rejected() override;

 private:
  std::optional<Outcome> fetch_token();

  std::mutex mu_;
  OidcSettings settings_;
  http::Client& client_;
  const Clock& clock_;
  Secret token_;
  TimePoint expires_at_{};
  TimePoint refresh_at_{};
};

// Signs with a temporary key from `source` (X-Security-Token included). Thread-safe.
// Like OidcTokenAuthenticator, a renewal that fails for a passing reason (not a refusal)
// keeps the current credential in use until 5 minutes before it expires.
class TemporaryKeyAuthenticator final : public Authenticator {
 public:
  TemporaryKeyAuthenticator(std::unique_ptr<TemporaryKeySource> source, const Clock& clock)
      : source_(std::move(source)), clock_(clock) {}
  std::optional<Outcome> authenticate(http::Request& request) override;
  void rejected() override;

 private:
  std::mutex mu_;
  std::unique_ptr<TemporaryKeySource> source_;
  const Clock& clock_;
  std::optional<Outcome> renew();

  std::optional<AccessKey> key_;
  TimePoint expires_at_{};
  TimePoint refresh_at_{};
};

}  // namespace rotor::cloud

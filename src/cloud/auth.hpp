#pragma once
// How requests to the cloud are authenticated: AK/SK signing, or an IAM token fetched once
// and reused until shortly before it expires.
#include <memory>
#include <mutex>
#include <optional>

#include "cloud/endpoints.hpp"
#include "cloud/outcome.hpp"
#include "cloud/signer.hpp"
#include "http/http.hpp"
#include "util/clock.hpp"

namespace rotor::cloud {

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // Makes `request` authenticated (headers); an outcome when that is impossible.
  virtual std::optional<Outcome> authenticate(http::Request& request) = 0;
  // The service answered 401/403 to an authenticated request.
  virtual void rejected() {}
};

class AkSkAuthenticator final : public Authenticator {
 public:
  AkSkAuthenticator(AccessKey key, const Clock& clock) : key_(std::move(key)), clock_(clock) {}
  std::optional<Outcome> authenticate(http::Request& request) override;

 private:
  AccessKey key_;
  const Clock& clock_;
};

// The kind of a failed request for a token or temporary key. The password call it was for
// was never made, so never kUnknown: a refusal (400/401/403, an auth code) is kAuthFailed
// and must not be repeated in a loop; 429 is kThrottled; anything else kNotSent.
OutcomeKind token_failure_kind(const Outcome& o);

struct IamUser {
  std::string domain;  // account name
  std::string username;
  Secret password;
  std::string project_id;
};

// Tokens are valid 24 hours; one is reused until `kRefreshMargin` before it expires. A failed
// token request means the password call was not made: a refusal (400/401/403) is kAuthFailed,
// 429 kThrottled, anything else (timeout, 5xx) kNotSent. This class fetches again on the next
// call; AuthGate (auth_gate.hpp) is what stops a refused password from being tried again,
// since repeated wrong passwords lock the IAM user.
class IamTokenAuthenticator final : public Authenticator {
 public:
  static constexpr auto kRefreshMargin = std::chrono::minutes(30);

  IamTokenAuthenticator(IamUser user, std::string iam_base_url, http::Client& client,
                        const Clock& clock)
      : user_(std::move(user)),
        iam_base_url_(std::move(iam_base_url)),
        client_(client),
        clock_(clock) {}
  std::optional<Outcome> authenticate(http::Request& request) override;
  void rejected() override;

 private:
  std::optional<Outcome> fetch_token();

  std::mutex mu_;
  IamUser user_;
  std::string iam_base_url_;
  http::Client& client_;
  const Clock& clock_;
  Secret token_;
  TimePoint expires_at_{};
};

}  // namespace rotor::cloud

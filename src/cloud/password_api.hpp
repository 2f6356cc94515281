#pragma once
// The password calls rotor makes, one method each, every answer a typed Outcome. The
// interface lets the rotation state machine be tested against an in-memory cloud.
#include <memory>
#include <string>

#include "cloud/auth.hpp"
#include "cloud/endpoints.hpp"
#include "cloud/outcome.hpp"
#include "http/http.hpp"

namespace rotor::cloud {

enum class DmsEngine { kKafka, kRabbitMq };

struct InstanceRef {
  std::string project_id;
  std::string instance_id;
};

class PasswordApi {
 public:
  virtual ~PasswordApi() = default;
  // DCS `POST .../password/reset`; password_free resets to no password (new_password unused).
  virtual Outcome dcs_reset(const InstanceRef& ref, const Secret& new_password,
                            bool password_free) = 0;
  // DCS `PUT .../password`.
  virtual Outcome dcs_change(const InstanceRef& ref, const Secret& old_password,
                             const Secret& new_password) = 0;
  // DDM `POST /v3/.../users/{username}/password`.
  virtual Outcome ddm_reset(const InstanceRef& ref, const std::string& username,
                            const Secret& new_password) = 0;
  // DMS `POST /v2/.../password` (Kafka and RabbitMQ share the call).
  virtual Outcome dms_reset(const InstanceRef& ref, DmsEngine engine,
                            const Secret& new_password) = 0;
};

// The real thing: HTTPS to the service endpoints, authenticated by `auth`.
class HttpPasswordApi final : public PasswordApi {
 public:
  HttpPasswordApi(Endpoints endpoints, Authenticator& auth, http::Client& client)
      : endpoints_(std::move(endpoints)), auth_(auth), client_(client) {}

  Outcome dcs_reset(const InstanceRef& ref, const Secret& new_password,
                    bool password_free) override;
  Outcome dcs_change(const InstanceRef& ref, const Secret& old_password,
                     const Secret& new_password) override;
  Outcome ddm_reset(const InstanceRef& ref, const std::string& username,
                    const Secret& new_password) override;
  Outcome dms_reset(const InstanceRef& ref, DmsEngine engine, const Secret& new_password) override;

 private:
  Outcome call(CallKind kind, Service service, const std::string& method, const std::string& path,
               const InstanceRef& ref, std::string body, const char* content_type,
               std::initializer_list<const Secret*> sent);

  Endpoints endpoints_;
  Authenticator& auth_;
  http::Client& client_;
};

}  // namespace rotor::cloud

#pragma once
// A PasswordApi that tells an OperatorObserver about every call it passes on (service, call,
// outcome), so that cloud requests are counted where they happen, however many one engine
// pass makes (a reset refused with DCS.4839 and the change that follows are two).
#include "cloud/password_api.hpp"
#include "controller/observer.hpp"

namespace rotor::controller {

class ObservedPasswordApi final : public cloud::PasswordApi {
 public:
  // Both must outlive this object.
  ObservedPasswordApi(cloud::PasswordApi& inner, OperatorObserver& observer)
      : inner_(inner), observer_(observer) {}

  cloud::Outcome dcs_reset(const cloud::InstanceRef& ref, const Secret& new_password,
                           bool password_free) override {
    return seen("dcs", password_free ? "reset_password_free" : "reset",
                inner_.dcs_reset(ref, new_password, password_free));
  }
  cloud::Outcome dcs_change(const cloud::InstanceRef& ref, const Secret& old_password,
                            const Secret& new_password) override {
    return seen("dcs", "change", inner_.dcs_change(ref, old_password, new_password));
  }
  cloud::Outcome ddm_reset(const cloud::InstanceRef& ref, const std::string& username,
                           const Secret& new_password) override {
    return seen("ddm", "reset", inner_.ddm_reset(ref, username, new_password));
  }
  cloud::Outcome dms_reset(const cloud::InstanceRef& ref, cloud::DmsEngine engine,
                           const Secret& new_password) override {
    return seen("dms", "reset", inner_.dms_reset(ref, engine, new_password));
  }

 private:
  cloud::Outcome seen(const char* service, const char* call, cloud::Outcome o) {
    observer_.on_cloud_request(service, call, o.kind);
    return o;
  }

  cloud::PasswordApi& inner_;
  OperatorObserver& observer_;
};

}  // namespace rotor::controller

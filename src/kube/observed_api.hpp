#pragma once
// An Api that passes every call on to another and then reports it: verb (get, list, watch,
// create, update, patch, delete), resource ("secrets"; "dcsinstances/status" for the status
// subresource) and HTTP status code, so that a metric counts the operator's API requests
// whatever made them (informers, reconciles, Events, leader election).
//
// The code of a failure is the server's (Error::http_status), "<error>" when no answer came.
// A success does not carry its code through the Api, so it is the one the API conventions
// give the verb: 201 for create, 200 for the rest. A watch is reported when it ends.
#include <functional>
#include <string_view>

#include "kube/api.hpp"

namespace rotor::kube {

using RequestObserver =
    std::function<void(std::string_view verb, std::string_view resource, std::string_view code)>;

class ObservedApi final : public Api {
 public:
  // `inner` must outlive this object; `observer` is called on the caller's thread.
  ObservedApi(Api& inner, RequestObserver observer)
      : inner_(inner), observer_(std::move(observer)) {}

  Result<Object> get(const ResourceRef& r, const std::string& ns, const std::string& name) override;
  Result<Object> get_fresh(const ResourceRef& r, const std::string& ns,
                           const std::string& name) override;
  Result<ObjectList> list(const ResourceRef& r, const std::string& ns,
                          const ListOptions& options = {}) override;
  Result<Object> create(const ResourceRef& r, const std::string& ns, const Object& obj) override;
  Result<Object> replace(const ResourceRef& r, const std::string& ns, const Object& obj) override;
  Result<Object> replace_status(const ResourceRef& r, const std::string& ns,
                                const Object& obj) override;
  Result<Object> patch(const ResourceRef& r, const std::string& ns, const std::string& name,
                       PatchType type, const Json& patch,
                       const PatchOptions& options = {}) override;
  Result<Object> patch_status(const ResourceRef& r, const std::string& ns, const std::string& name,
                              PatchType type, const Json& patch,
                              const PatchOptions& options = {}) override;
  Result<void> remove(const ResourceRef& r, const std::string& ns, const std::string& name,
                      const DeleteOptions& options = {}) override;
  WatchResult watch(const ResourceRef& r, const std::string& ns, const WatchOptions& options,
                    const WatchHandler& on_event, std::stop_token stop = {}) override;

 private:
  void report(const char* verb, const ResourceRef& r, bool status, bool ok, const Error& error,
              int success_code = 200) const;

  Api& inner_;
  RequestObserver observer_;
};

}  // namespace rotor::kube

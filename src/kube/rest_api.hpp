#pragma once
// The Api over HTTPS to a real API server, through http::Client (http::make_client in production,
// a fake in unit tests).
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "http/http.hpp"
#include "kube/api.hpp"
#include "kube/config.hpp"

namespace rotor::kube {

struct RestOptions {
  std::chrono::milliseconds request_timeout{30000};
  // A watch's client-side timeout is its timeoutSeconds plus this, so that the server, which
  // ends the watch cleanly, normally gets there first.
  std::chrono::seconds watch_grace{30};
  std::string user_agent = "rotor/" ROTOR_VERSION;
};

// Makes an HTTP client with the given options; RestApi calls it once for ordinary requests
// and once per watch (each watch needs its own timeout).
using ClientFactory =
    std::function<std::shared_ptr<http::Client>(const http::ClientOptions& options)>;

class RestApi final : public Api {
 public:
  // Production: http::make_client clients for `config`.
  explicit RestApi(Config config, RestOptions options = {});
  RestApi(Config config, ClientFactory factory, RestOptions options = {});

  Result<Object> get(const ResourceRef& r, const std::string& ns, const std::string& name) override;
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

  const Config& config() const { return config_; }

 private:
  http::Request make_request(const std::string& method, const std::string& path_and_query,
                             const std::string& body, const std::string& content_type) const;
  // Sends; on 401 with a file-backed token that has changed since, sends once more.
  http::Result send(const std::string& method, const std::string& path_and_query,
                    const std::string& body = "", const std::string& content_type = "");
  Result<Object> object_call(const ResourceRef& r, const std::string& method,
                             const std::string& path_and_query, const std::string& body,
                             const std::string& content_type);
  Result<Object> do_patch(const ResourceRef& r, const std::string& ns, const std::string& name,
                          const std::string& subresource, PatchType type, const Json& patch,
                          const PatchOptions& options);
  Result<Object> do_replace(const ResourceRef& r, const std::string& ns, const Object& obj,
                            const std::string& subresource);

  Config config_;
  ClientFactory factory_;
  RestOptions options_;
  std::shared_ptr<http::Client> client_;
};

}  // namespace rotor::kube

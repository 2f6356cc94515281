#include "sim/testing.hpp"

namespace rotor::sim::testing {
namespace {

http::ServerRequest to_server(const http::Request& r) {
  http::ServerRequest out;
  out.method = r.method;
  const auto path_start = r.url.find('/', r.url.find("://") + 3);
  out.target = path_start == std::string::npos ? "/" : r.url.substr(path_start);
  const auto q = out.target.find('?');
  out.path = out.target.substr(0, q);
  out.query = q == std::string::npos ? "" : out.target.substr(q + 1);
  out.headers = r.headers;
  out.body = r.body;
  return out;
}

http::Request client_request(const std::string& method, const std::string& target,
                             const std::string& body, const http::Headers& headers) {
  http::Request r;
  r.method = method;
  r.url = "http://sim.test" + target;
  r.headers = headers;
  r.headers.set("Host", "sim.test");
  if (!body.empty() && !r.headers.has("Content-Type")) {
    r.headers.set("Content-Type", "application/json;charset=UTF-8");
  }
  r.body = body;
  return r;
}

}  // namespace

http::ServerRequest request(const std::string& method, const std::string& target,
                            const std::string& body, const http::Headers& headers) {
  return to_server(client_request(method, target, body, headers));
}

http::ServerRequest signed_request(const std::string& method, const std::string& target,
                                   const std::string& body, const cloud::AccessKey& key,
                                   const Clock& clock, const std::string& project_id) {
  http::Headers headers;
  if (!project_id.empty()) headers.set("X-Project-Id", project_id);
  http::Request r = client_request(method, target, body, headers);
  cloud::sign_request(r, key, clock);
  return to_server(r);
}

}  // namespace rotor::sim::testing

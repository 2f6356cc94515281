// The production HTTP client over cpprestsdk. Nothing outside this file includes cpprest's
// client headers.
#include <cpprest/http_client.h>

#include <boost/asio/ssl.hpp>

#include "http/http.hpp"

namespace rotor::http {
namespace {

namespace wh = web::http;
namespace whc = web::http::client;

TransportError classify(const std::error_code& ec, const std::string& what) {
  if (ec == std::errc::timed_out || what.find("timed out") != std::string::npos ||
      what.find("Timeout") != std::string::npos) {
    return TransportError::kTimeout;
  }
  if (ec == std::errc::connection_refused || ec == std::errc::host_unreachable ||
      ec == std::errc::network_unreachable || what.find("resolve") != std::string::npos ||
      what.find("connect") != std::string::npos) {
    return TransportError::kConnectFailed;
  }
  if (what.find("handshake") != std::string::npos ||
      what.find("certificate") != std::string::npos || what.find("SSL") != std::string::npos ||
      what.find("ssl") != std::string::npos) {
    return TransportError::kTls;
  }
  return TransportError::kConnectionLost;
}

class CpprestClient final : public Client {
 public:
  explicit CpprestClient(ClientOptions options) : options_(std::move(options)) {}

  Result send(const Request& request) override {
    Result result;
    Url url;
    if (!parse_url(request.url, url)) {
      result.error = TransportError::kInvalidRequest;
      result.error_detail = "not an absolute http(s) URL";
      return result;
    }
    try {
      whc::http_client client(
          utility::conversions::to_string_t(url.scheme + "://" + url.host_header()), config());
      wh::http_request req(utility::conversions::to_string_t(request.method));
      std::string target = url.path + (url.query.empty() ? "" : "?" + url.query);
      req.set_request_uri(web::uri(utility::conversions::to_string_t(target)));
      for (const auto& [name, value] : request.headers.items()) {
        // cpprest sets Host and Content-Length itself; the signer signs the same values.
        if (iequals(name, "Content-Length")) continue;
        req.headers().add(name, value);
      }
      if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
        const auto ctype = request.headers.get("Content-Type").value_or("application/octet-stream");
        req.set_body(std::vector<unsigned char>(request.body.begin(), request.body.end()));
        req.headers().set_content_type(ctype);
      }
      wh::http_response resp = client.request(req).get();
      Response out;
      out.status = resp.status_code();
      for (const auto& [k, v] : resp.headers()) out.headers.add(k, v);
      const auto bytes = resp.extract_vector().get();
      out.body.assign(bytes.begin(), bytes.end());
      result.response = std::move(out);
    } catch (const wh::http_exception& e) {
      result.error = classify(e.error_code(), e.what());
      result.error_detail = e.what();
    } catch (const std::exception& e) {
      result.error = TransportError::kOther;
      result.error_detail = e.what();
    }
    return result;
  }

 private:
  whc::http_client_config config() const {
    whc::http_client_config cfg;
    cfg.set_timeout(std::chrono::duration_cast<std::chrono::microseconds>(options_.timeout));
    cfg.set_validate_certificates(options_.verify_tls);
    if (!options_.ca_file.empty() || !options_.client_cert_file.empty()) {
      const ClientOptions o = options_;
      cfg.set_ssl_context_callback([o](boost::asio::ssl::context& ctx) {
        if (!o.ca_file.empty()) ctx.load_verify_file(o.ca_file);
        if (!o.client_cert_file.empty()) {
          ctx.use_certificate_chain_file(o.client_cert_file);
          ctx.use_private_key_file(o.client_key_file, boost::asio::ssl::context::pem);
        }
      });
    }
    return cfg;
  }

  ClientOptions options_;
};

}  // namespace

std::unique_ptr<Client> make_client(const ClientOptions& options) {
  return std::make_unique<CpprestClient>(options);
}

}  // namespace rotor::http

// The production HTTP client over cpprestsdk. Nothing outside this file includes cpprest's
// client headers.
#include <cpprest/http_client.h>

#include <boost/asio/ssl.hpp>

#include <algorithm>
#include <stop_token>

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
    if (!parse_url(request.url, url)) return invalid_url();
    try {
      whc::http_client client(base_uri(url), config());
      wh::http_response resp = client.request(to_cpprest(request, url)).get();
      Response out = head_of(resp);
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

  Result stream(const Request& request, const BodySink& sink, std::stop_token stop) override {
    Result result;
    Url url;
    if (!parse_url(request.url, url)) return invalid_url();
    // Cancelling closes the connection: the only way to interrupt a read that is waiting for
    // the server. The stop callback may run on another thread at any time until it is
    // destroyed, which happens before `cancel` goes.
    pplx::cancellation_token_source cancel;
    std::stop_callback on_stop(stop, [&cancel] { cancel.cancel(); });
    try {
      whc::http_client client(base_uri(url), config());
      // Completes once the status line and headers are in; the body follows in the stream.
      wh::http_response resp = client.request(to_cpprest(request, url), cancel.get_token()).get();
      Response out = head_of(resp);
      if (out.status / 100 != 2) {
        const auto bytes = resp.extract_vector().get();
        out.body.assign(bytes.begin(), bytes.end());
        result.response = std::move(out);
        return result;
      }
      auto body = resp.body().streambuf();
      using traits = concurrency::streams::streambuf<uint8_t>::traits;
      std::vector<uint8_t> chunk(64 * 1024);
      bool more = true;
      while (more && !stop.stop_requested()) {
        // Wait for one byte (or the end), then take whatever else has arrived with it, so each
        // piece the server flushed is handed on as soon as it is here.
        const auto first = body.bumpc().get();
        if (first == traits::eof()) break;
        chunk[0] = static_cast<uint8_t>(first);
        std::size_t n = 1;
        const std::size_t ready = std::min(body.in_avail(), chunk.size() - 1);
        if (ready > 0) n += body.getn(chunk.data() + 1, ready).get();
        more = sink(std::string_view(reinterpret_cast<const char*>(chunk.data()), n));
      }
      // Stopped early: close the connection rather than leave it reading into a buffer
      // nobody drains until the server ends the response.
      if (!more || stop.stop_requested()) cancel.cancel();
      result.response = std::move(out);
    } catch (const wh::http_exception& e) {
      result.error = classify(e.error_code(), e.what());
      result.error_detail = e.what();
    } catch (const std::exception& e) {
      result.error = TransportError::kOther;
      result.error_detail = e.what();
    }
    // A read cut short by our own cancellation is a stop, not a failure.
    if (!result.ok() && stop.stop_requested()) {
      result.response.emplace();
      result.error_detail.clear();
    }
    return result;
  }

 private:
  static Result invalid_url() {
    Result result;
    result.error = TransportError::kInvalidRequest;
    result.error_detail = "not an absolute http(s) URL";
    return result;
  }

  static utility::string_t base_uri(const Url& url) {
    return utility::conversions::to_string_t(url.scheme + "://" + url.host_header());
  }

  static wh::http_request to_cpprest(const Request& request, const Url& url) {
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
    return req;
  }

  static Response head_of(const wh::http_response& resp) {
    Response out;
    out.status = resp.status_code();
    for (const auto& [k, v] : resp.headers()) out.headers.add(k, v);
    return out;
  }

  whc::http_client_config config() const {
    whc::http_client_config cfg;
    cfg.set_timeout(std::chrono::duration_cast<std::chrono::microseconds>(options_.timeout));
    cfg.set_validate_certificates(options_.verify_tls);
    if (!options_.ca_file.empty() || !options_.client_cert_file.empty() ||
        !options_.ca_pem.empty() || !options_.client_cert_pem.empty() ||
        !options_.extra_ca_pem.empty()) {
      const ClientOptions o = options_;
      cfg.set_ssl_context_callback([o](boost::asio::ssl::context& ctx) {
        if (!o.ca_pem.empty()) {
          // A fresh store drops the system roots cpprest loaded before calling us.
          SSL_CTX_set_cert_store(ctx.native_handle(), X509_STORE_new());
          ctx.add_certificate_authority(boost::asio::buffer(o.ca_pem));
        }
        if (!o.ca_file.empty()) ctx.load_verify_file(o.ca_file);
        if (!o.extra_ca_pem.empty())
          ctx.add_certificate_authority(boost::asio::buffer(o.extra_ca_pem));
        if (!o.client_cert_file.empty()) {
          ctx.use_certificate_chain_file(o.client_cert_file);
          ctx.use_private_key_file(o.client_key_file, boost::asio::ssl::context::pem);
        }
        if (!o.client_cert_pem.empty()) {
          ctx.use_certificate_chain(boost::asio::buffer(o.client_cert_pem));
          ctx.use_private_key(boost::asio::buffer(o.client_key_pem.reveal()),
                              boost::asio::ssl::context::pem);
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

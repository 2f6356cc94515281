#include "http/tls_context.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>
#include <stdexcept>

namespace rotor::http {
namespace ssl = boost::asio::ssl;

namespace {

void configure(ssl::context& ctx, const ClientOptions& o) {
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  // Idle pooled connections give their read and write buffers back (~34 KiB each).
  SSL_CTX_set_mode(ctx.native_handle(), SSL_MODE_RELEASE_BUFFERS);
  if (!o.verify_tls) {
    ctx.set_verify_mode(ssl::verify_none);
  } else {
    ctx.set_verify_mode(ssl::verify_peer);
    if (o.ca_pem.empty() && o.ca_file.empty()) ctx.set_default_verify_paths();
    if (!o.ca_pem.empty()) ctx.add_certificate_authority(boost::asio::buffer(o.ca_pem));
    if (!o.ca_file.empty()) ctx.load_verify_file(o.ca_file);
    if (!o.extra_ca_pem.empty()) ctx.add_certificate_authority(boost::asio::buffer(o.extra_ca_pem));
  }
  if (!o.client_cert_file.empty()) {
    ctx.use_certificate_chain_file(o.client_cert_file);
    ctx.use_private_key_file(o.client_key_file, ssl::context::pem);
  }
  if (!o.client_cert_pem.empty()) {
    ctx.use_certificate_chain(boost::asio::buffer(o.client_cert_pem));
    ctx.use_private_key(boost::asio::buffer(o.client_key_pem.reveal()), ssl::context::pem);
  }
}

}  // namespace

std::shared_ptr<ssl::context> make_tls_context(const ClientOptions& options) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  try {
    configure(*ctx, options);
  } catch (const boost::system::system_error& e) {
    // The code's message is OpenSSL's reason ("no start line", "key values mismatch").
    throw std::runtime_error("TLS settings: " + e.code().message());
  }
  return ctx;
}

bool expect_peer(SSL* ssl, const std::string& host, bool verify) {
  std::string name = host;
  if (name.size() > 1 && name.front() == '[') name = name.substr(1, name.size() - 2);
  boost::system::error_code not_ip;
  boost::asio::ip::make_address(name, not_ip);
  // SSL_set_tlsext_host_name, spelled out: the macro hides an old-style cast.
  if (not_ip && SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                         const_cast<char*>(name.c_str())) != 1) {
    return false;
  }
  if (!verify) return true;
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (!not_ip) return X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) == 1;
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  return X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size()) == 1;
}

}  // namespace rotor::http

#pragma once
// The client's TLS material turned into one OpenSSL context. Parsing PEM is the expensive
// part of TLS set-up (the system store alone is ~150 certificates), so a client builds its
// context once and every connection shares it (an SSL_CTX is safe to share across threads).
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "http/http.hpp"

namespace rotor::http {

// Trust: ca_pem and ca_file replace the system store (a client given its cluster's CA
// trusts that CA only); extra_ca_pem adds to whichever store is in use. Throws
// std::runtime_error with OpenSSL's reason (never the material) when the PEM is unusable.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const ClientOptions& options);

// Per connection: SNI and the name (or IP address) the server's certificate must carry.
// `host` as in a URL, IPv6 in brackets. False when OpenSSL refuses it.
bool expect_peer(SSL* ssl, const std::string& host, bool verify);

}  // namespace rotor::http

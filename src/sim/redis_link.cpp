#include "sim/redis_link.hpp"

#include <boost/asio.hpp>
#include <vector>

namespace rotor::sim {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Blocking calls on a private io_context, each run for at most the timeout: plain
// synchronous socket calls in Asio cannot time out, and a wedged Redis must not wedge the
// simulator (which holds its lock meanwhile).
class Link {
 public:
  explicit Link(std::chrono::milliseconds timeout) : timeout_(timeout) {}
  ~Link() { cleanse(buffer_); }

  std::string connect(const std::string& host, int port) {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(host, ec);
    if (ec) return "bad redis host";
    bool done = false;
    socket_.async_connect(tcp::endpoint(address, static_cast<unsigned short>(port)),
                          [&](boost::system::error_code e) { ec = e, done = true; });
    wait(done, ec);
    return ec ? "connect: " + ec.message() : "";
  }

  // Sends one command; `reply` gets the reply's first line (type byte included).
  std::string call(const std::vector<std::string_view>& args, std::string& reply) {
    std::string out = "*" + std::to_string(args.size()) + "\r\n";
    for (auto a : args) out += "$" + std::to_string(a.size()) + "\r\n" + std::string(a) + "\r\n";
    boost::system::error_code ec;
    bool done = false;
    asio::async_write(socket_, asio::buffer(out),
                      [&](boost::system::error_code e, std::size_t) { ec = e, done = true; });
    wait(done, ec);
    cleanse(out);  // it held a password
    if (ec) return "write: " + ec.message();
    done = false;
    asio::async_read_until(socket_, asio::dynamic_buffer(buffer_), "\r\n",
                           [&](boost::system::error_code e, std::size_t) { ec = e, done = true; });
    wait(done, ec);
    if (ec) return "read: " + ec.message();
    const auto eol = buffer_.find("\r\n");
    reply = buffer_.substr(0, eol);
    buffer_.erase(0, eol + 2);
    return "";
  }

 private:
  void wait(bool& done, boost::system::error_code& ec) {
    io_.restart();
    io_.run_for(timeout_);
    if (!done) {
      boost::system::error_code ignored;
      socket_.close(ignored);
      io_.run();  // let the aborted operation finish before its captures go away
      ec = asio::error::timed_out;
    }
  }

  asio::io_context io_;
  tcp::socket socket_{io_};
  std::chrono::milliseconds timeout_;
  std::string buffer_;
};

// Redis error replies ("-WRONGPASS invalid username-password pair ...") never echo the
// password, so they may be passed on.
std::string expect_ok(const std::string& step, const std::string& reply) {
  if (reply == "+OK") return "";
  return step + ": " + (reply.empty() ? "empty reply" : reply);
}

}  // namespace

std::string redis_set_password(const std::string& host, int port, const Secret* current,
                               const Secret& next, std::chrono::milliseconds timeout) {
  Link link(timeout);
  if (auto err = link.connect(host, port); !err.empty()) return err;
  std::string reply;
  if (current) {
    if (auto err = link.call({"AUTH", current->reveal()}, reply); !err.empty()) return err;
    if (auto err = expect_ok("AUTH", reply); !err.empty()) return err;
  }
  if (auto err = link.call({"CONFIG", "SET", "requirepass", next.reveal()}, reply); !err.empty()) {
    return err;
  }
  return expect_ok("CONFIG SET", reply);
}

}  // namespace rotor::sim

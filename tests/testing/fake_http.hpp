#pragma once
// An in-memory http::Client for unit tests: answers from a queue, records what was sent.
#include <deque>
#include <functional>
#include <vector>

#include "http/http.hpp"

namespace rotor::testing {

class FakeHttpClient final : public http::Client {
 public:
  http::Result send(const http::Request& request) override {
    sent.push_back(request);
    if (handler) return handler(request);
    if (answers.empty()) return failure(http::TransportError::kConnectionLost);
    http::Result r = answers.front();
    answers.pop_front();
    return r;
  }

  static http::Result answer(int status, std::string body, http::Headers headers = {}) {
    http::Result r;
    r.response = http::Response{status, std::move(headers), std::move(body)};
    return r;
  }
  static http::Result failure(http::TransportError e) {
    http::Result r;
    r.error = e;
    r.error_detail = http::to_string(e);
    return r;
  }

  std::deque<http::Result> answers;
  std::function<http::Result(const http::Request&)> handler;
  std::vector<http::Request> sent;
};

}  // namespace rotor::testing

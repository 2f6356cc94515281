#include <fstream>
#include <sstream>
#include <system_error>

#include "kube/config.hpp"

namespace rotor::kube {
namespace {

// A token file ends with a newline more often than not; the header must not carry it.
bool read_token(const std::string& path, Secret& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buf;
  buf << in.rdbuf();
  std::string text = buf.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' ||
                           text.back() == '\t')) {
    text.pop_back();
  }
  if (text.empty()) return false;
  out = Secret(std::move(text));
  return true;
}

std::shared_ptr<const Clock> system_clock() {
  static const auto clock = std::make_shared<const SystemClock>();
  return clock;
}

}  // namespace

TokenSource::TokenSource(Secret token, std::string path, std::chrono::seconds recheck,
                         std::shared_ptr<const Clock> clock)
    : token_(std::move(token)),
      path_(std::move(path)),
      recheck_(recheck),
      clock_(clock ? std::move(clock) : system_clock()) {}

std::shared_ptr<TokenSource> TokenSource::fixed(Secret token) {
  return std::make_shared<TokenSource>(std::move(token), "", std::chrono::seconds(0), nullptr);
}

std::shared_ptr<TokenSource> TokenSource::file(std::string path, std::chrono::seconds recheck,
                                               std::shared_ptr<const Clock> clock) {
  auto source = std::make_shared<TokenSource>(Secret(), std::move(path), recheck, std::move(clock));
  std::lock_guard lock(source->mu_);
  source->reload_locked();
  if (source->token_.empty()) {
    throw ConfigError("cannot read a bearer token from " + source->path_);
  }
  return source;
}

Secret TokenSource::token() {
  std::lock_guard lock(mu_);
  if (!path_.empty() && clock_->now() - last_check_ >= recheck_) reload_locked();
  return token_;
}

bool TokenSource::refresh() {
  if (path_.empty()) return false;
  std::lock_guard lock(mu_);
  mtime_.reset();  // forces a read even if the timestamp did not move
  return reload_locked();
}

bool TokenSource::reload_locked() {
  last_check_ = clock_->now();
  std::error_code ec;
  // stat() follows the symlinks the kubelet swaps atomically (..data), so a rotation shows
  // as a new mtime or size.
  const auto mtime = std::filesystem::last_write_time(path_, ec);
  if (ec) return false;
  const auto size = std::filesystem::file_size(path_, ec);
  if (ec) return false;
  if (mtime_ && *mtime_ == mtime && size_ == size) return false;
  Secret fresh;
  if (!read_token(path_, fresh)) return false;
  mtime_ = mtime;
  size_ = size;
  if (fresh == token_) return false;
  token_ = std::move(fresh);
  return true;
}

}  // namespace rotor::kube

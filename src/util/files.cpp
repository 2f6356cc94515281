#include "util/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace rotor {
namespace {

std::string failure(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

std::optional<std::string> sync_parent(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return failure("cannot open directory", dir);
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return failure("cannot sync directory", dir);
  return std::nullopt;
}

}  // namespace

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::optional<std::string> write_new_private_file(const std::string& path, const Secret& content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return failure("cannot create", path);
  const std::string& data = content.reveal();
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      auto err = failure("cannot write", path);
      ::close(fd);
      return err;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    auto err = failure("cannot sync", path);
    ::close(fd);
    return err;
  }
  ::close(fd);
  return sync_parent(path);
}

std::optional<std::string> durable_rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return failure("cannot rename to", to);
  return sync_parent(to);
}

std::optional<std::string> replace_private_file(const std::string& path, const Secret& content) {
  const std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());  // a leftover of a run killed mid-write
  if (auto err = write_new_private_file(tmp, content)) return err;
  return durable_rename(tmp, path);
}

std::optional<std::string> durable_remove(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return failure("cannot remove", path);
  return sync_parent(path);
}

std::optional<Secret> read_secret_file(const std::string& path, std::string& error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = failure("cannot read", path);
    return std::nullopt;
  }
  std::string data;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = failure("cannot read", path);
      ::close(fd);
      cleanse(data);
      return std::nullopt;
    }
    if (n == 0) break;
    data.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  std::memset(buf, 0, sizeof buf);
  if (!data.empty() && data.back() == '\n') data.pop_back();
  if (!data.empty() && data.back() == '\r') data.pop_back();
  return Secret(std::move(data));
}

}  // namespace rotor

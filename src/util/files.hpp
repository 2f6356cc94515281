#pragma once
// Durable file operations for password files: a password the cloud may have taken must
// survive a crash, so writes are fsynced, file and directory both.
#include <optional>
#include <string>

#include "util/secret.hpp"

namespace rotor {

// Creates `path` with mode 0600, writes `content`, fsyncs it and its directory. Fails
// (returns an error message) if the file already exists.
std::optional<std::string> write_new_private_file(const std::string& path, const Secret& content);
// Replaces `path` atomically with a new 0600 file holding `content` (written as path.tmp,
// fsynced, renamed over `path`): a reader sees the old content or the new, never a mix.
std::optional<std::string> replace_private_file(const std::string& path, const Secret& content);
// Renames `from` over `to` atomically and fsyncs the directory.
std::optional<std::string> durable_rename(const std::string& from, const std::string& to);
// Removes `path` and fsyncs its directory; a missing file is not an error.
std::optional<std::string> durable_remove(const std::string& path);
// Reads a whole file into a Secret, without a single trailing newline ("\n" or "\r\n").
std::optional<Secret> read_secret_file(const std::string& path, std::string& error);
bool file_exists(const std::string& path);

}  // namespace rotor

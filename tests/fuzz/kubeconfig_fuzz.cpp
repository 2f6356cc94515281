// kube::parse_kubeconfig, the kubeconfig (YAML) reader of `rotor run --kubeconfig`. Any
// text gives a usable Config or a ConfigError, never another exception: an http(s) server
// without a trailing slash, a context, a client certificate only with its key, PEM only.
#include <filesystem>
#include <string>

#include "fuzz_check.hpp"
#include "kube/config.hpp"

namespace {

// A kubeconfig may name files (certificate-authority, client-key, tokenFile); they are read
// relative to an empty folder. Device and kernel files could block or never end, so inputs
// naming them are skipped: they test the file system, not the reader.
bool names_special_files(std::string_view text) {
  for (std::string_view root : {"/dev", "/proc", "/sys"}) {
    if (text.find(root) != std::string_view::npos) return true;
  }
  return false;
}

void check(const rotor::kube::Config& c) {
  FUZZ_CHECK(c.server.rfind("https://", 0) == 0 || c.server.rfind("http://", 0) == 0,
             "an http(s) server");
  FUZZ_CHECK(c.server.back() != '/', "no trailing slash");
  FUZZ_CHECK(!c.context.empty(), "a context");
  FUZZ_CHECK(c.client_cert_pem.empty() == c.client_key_pem.empty(),
             "a client certificate comes with its key");
  FUZZ_CHECK(c.ca_pem.empty() || c.ca_pem.find("-----BEGIN CERTIFICATE-----") != std::string::npos,
             "a CA bundle is PEM");
  FUZZ_CHECK(!c.default_namespace.empty(), "a default namespace");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  if (names_special_files(yaml)) return 0;
  static const std::string empty_dir = [] {
    const auto dir = std::filesystem::temp_directory_path() / "rotor-fuzz-kubeconfig";
    std::filesystem::create_directories(dir);
    return dir.string();
  }();
  try {
    check(rotor::kube::parse_kubeconfig(yaml, empty_dir));
  } catch (const rotor::kube::ConfigError& e) {
    FUZZ_CHECK(e.what()[0] != '\0', "a refused kubeconfig says why");
  }
  return 0;
}

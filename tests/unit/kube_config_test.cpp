// kubeconfig parsing (every supported auth variant), in-cluster config and token rotation.
#include <gtest/gtest.h>
#include <yaml-cpp/binary.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "kube/config.hpp"

namespace rotor::kube {
namespace {

namespace fs = std::filesystem;

// The parser checks PEM markers, not certificates: these need not be real.
const std::string kCaPem = "-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n";
const std::string kCertPem = "-----BEGIN CERTIFICATE-----\nQ0VSVA==\n-----END CERTIFICATE-----\n";
const std::string kKeyPem = "-----BEGIN PRIVATE KEY-----\nS0VZ\n-----END PRIVATE KEY-----\n";

std::string b64(const std::string& s) {
  return YAML::EncodeBase64(reinterpret_cast<const unsigned char*>(s.data()), s.size());
}

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("rotor-kube-test-" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string write(const std::string& name, const std::string& content) const {
    const fs::path p = path_ / name;
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

// A kubeconfig with two clusters/users/contexts; `user_body` is the YAML of user "u1".
std::string kubeconfig(const std::string& user_body, const std::string& cluster_extra = "") {
  return "apiVersion: v1\nkind: Config\n"
         "clusters:\n"
         "- name: c1\n  cluster:\n    server: https://10.0.0.1:6443/\n" +
         cluster_extra +
         "- name: c2\n  cluster:\n    server: https://other.example:443\n"
         "    insecure-skip-tls-verify: true\n"
         "users:\n"
         "- name: u1\n  user:\n" +
         user_body +
         "- name: u2\n  user:\n    token: second-token\n"
         "contexts:\n"
         "- name: one\n  context: {cluster: c1, user: u1, namespace: team-a}\n"
         "- name: two\n  context: {cluster: c2, user: u2}\n"
         "current-context: one\n";
}

TEST(KubeConfig, TokenUserWithCaDataAndCurrentContext) {
  const Config c = parse_kubeconfig(
      kubeconfig("    token: abc.def\n", "    certificate-authority-data: " + b64(kCaPem) + "\n"),
      "/nowhere");
  EXPECT_EQ(c.context, "one");
  EXPECT_EQ(c.server, "https://10.0.0.1:6443") << "trailing slash dropped";
  EXPECT_EQ(c.ca_pem, kCaPem);
  EXPECT_FALSE(c.insecure_skip_tls_verify);
  ASSERT_TRUE(c.token);
  EXPECT_EQ(c.token->token().reveal(), "abc.def");
  EXPECT_FALSE(c.token->from_file());
  EXPECT_EQ(c.default_namespace, "team-a");
  EXPECT_TRUE(c.client_cert_pem.empty());
}

TEST(KubeConfig, NamedContextInsecureAndDefaultNamespace) {
  const Config c = parse_kubeconfig(kubeconfig("    token: t\n"), "/nowhere", "two");
  EXPECT_EQ(c.context, "two");
  EXPECT_EQ(c.server, "https://other.example:443");
  EXPECT_TRUE(c.insecure_skip_tls_verify);
  EXPECT_TRUE(c.ca_pem.empty());
  EXPECT_EQ(c.token->token().reveal(), "second-token");
  EXPECT_EQ(c.default_namespace, "default");
  const http::ClientOptions o = client_options(c, std::chrono::milliseconds(1234));
  EXPECT_FALSE(o.verify_tls);
  EXPECT_EQ(o.timeout.count(), 1234);
}

TEST(KubeConfig, ClientCertificateData) {
  const Config c = parse_kubeconfig(kubeconfig("    client-certificate-data: " + b64(kCertPem) +
                                               "\n    client-key-data: " + b64(kKeyPem) + "\n"),
                                    "/nowhere");
  EXPECT_EQ(c.client_cert_pem, kCertPem);
  EXPECT_EQ(c.client_key_pem.reveal(), kKeyPem);
  EXPECT_FALSE(c.token);
  const http::ClientOptions o = client_options(c, std::chrono::seconds(30));
  EXPECT_EQ(o.client_cert_pem, kCertPem);
  EXPECT_EQ(o.client_key_pem.reveal(), kKeyPem);
  EXPECT_TRUE(o.verify_tls);
}

TEST(KubeConfig, FilesResolveRelativeToTheKubeconfig) {
  TempDir dir;
  dir.write("ca.crt", kCaPem);
  dir.write("admin.crt", kCertPem);
  dir.write("admin.key", kKeyPem);
  dir.write("token", "file-token\n");
  const std::string path = dir.write(
      "config", kubeconfig("    client-certificate: admin.crt\n    client-key: " + dir.path() +
                               "/admin.key\n    tokenFile: token\n    token: inline-token\n",
                           "    certificate-authority: ca.crt\n"));
  const Config c = load_kubeconfig(path);
  EXPECT_EQ(c.ca_pem, kCaPem);
  EXPECT_EQ(c.client_cert_pem, kCertPem);
  EXPECT_EQ(c.client_key_pem.reveal(), kKeyPem);
  ASSERT_TRUE(c.token);
  EXPECT_TRUE(c.token->from_file()) << "tokenFile wins over token, as in client-go";
  EXPECT_EQ(c.token->token().reveal(), "file-token") << "trailing newline trimmed";
}

TEST(KubeConfig, DataTakesPrecedenceOverFile) {
  const Config c = parse_kubeconfig(kubeconfig("    token: t\n",
                                               "    certificate-authority: /does/not/exist\n"
                                               "    certificate-authority-data: " +
                                                   b64(kCaPem) + "\n"),
                                    "/nowhere");
  EXPECT_EQ(c.ca_pem, kCaPem);
}

TEST(KubeConfig, ErrorsNameTheProblemButNoCredential) {
  auto error_of = [](const std::string& yaml, const std::string& context = "") -> std::string {
    try {
      parse_kubeconfig(yaml, "/nowhere", context, "test.kubeconfig");
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(error_of(kubeconfig("    token: t\n"), "three").find("context \"three\" not found"),
            std::string::npos);
  EXPECT_NE(error_of(kubeconfig("    exec:\n      command: aws\n")).find("exec"),
            std::string::npos);
  EXPECT_NE(error_of(kubeconfig("    username: a\n    password: sup3rsecret\n")).find("basic"),
            std::string::npos);
  const std::string bad_key = error_of(kubeconfig("    client-certificate-data: " + b64(kCertPem) +
                                                  "\n    client-key-data: '!!!notb64'\n"));
  EXPECT_NE(bad_key.find("client-key-data is not valid base64"), std::string::npos) << bad_key;
  EXPECT_EQ(bad_key.find("notb64"), std::string::npos);
  const std::string not_pem =
      error_of(kubeconfig("    client-certificate-data: " + b64(kCertPem) +
                          "\n    client-key-data: " + b64("sup3rsecret-key") + "\n"));
  EXPECT_NE(not_pem.find("client-key is not PEM"), std::string::npos) << not_pem;
  EXPECT_EQ(not_pem.find("sup3rsecret"), std::string::npos);
  EXPECT_NE(
      error_of(kubeconfig("    client-certificate-data: " + b64(kCertPem) + "\n")).find("together"),
      std::string::npos);
  EXPECT_NE(error_of("current-context: x\ncontexts: [\n").find("test.kubeconfig: malformed"),
            std::string::npos);
  EXPECT_NE(error_of("clusters: []\n").find("no context"), std::string::npos);
  EXPECT_THROW(load_kubeconfig("/does/not/exist/config"), ConfigError);
}

TEST(KubeConfig, DefaultSearchHonoursExplicitPathAndKubeconfigEnv) {
  TempDir dir;
  const std::string a = dir.write("a", kubeconfig("    token: from-a\n"));
  EXPECT_EQ(load_default_config(a).token->token().reveal(), "from-a");
  EXPECT_EQ(load_default_config(a, "two").token->token().reveal(), "second-token");
  const char* saved = std::getenv("KUBECONFIG");
  const std::string saved_value = saved ? saved : "";
  setenv("KUBECONFIG", ("/does/not/exist:" + a).c_str(), 1);
  EXPECT_EQ(load_default_config().token->token().reveal(), "from-a");
  if (saved) {
    setenv("KUBECONFIG", saved_value.c_str(), 1);
  } else {
    unsetenv("KUBECONFIG");
  }
}

TEST(KubeConfig, InClusterFromServiceAccountDirectory) {
  TempDir dir;
  dir.write("token", "sa-token-1\n");
  dir.write("ca.crt", kCaPem);
  dir.write("namespace", "rotor-system\n");
  InClusterOptions o;
  o.dir = dir.path();
  o.host = "10.96.0.1";
  o.port = "443";
  const Config c = load_in_cluster_config(o);
  EXPECT_EQ(c.server, "https://10.96.0.1:443");
  EXPECT_EQ(c.ca_pem.find(kCaPem.substr(0, 30)), 0u);
  EXPECT_EQ(c.default_namespace, "rotor-system");
  EXPECT_EQ(c.token->token().reveal(), "sa-token-1");
  EXPECT_EQ(c.context, "in-cluster");

  o.host = "fd00::1";
  EXPECT_EQ(load_in_cluster_config(o).server, "https://[fd00::1]:443");

  o.host = "";
  EXPECT_THROW(load_in_cluster_config(o), ConfigError);
  o.host = "10.96.0.1";
  fs::remove(dir.path() + "/token");
  EXPECT_THROW(load_in_cluster_config(o), ConfigError);
}

TEST(KubeTokenSource, RereadsARotatedFileAtMostOncePerInterval) {
  TempDir dir;
  const std::string path = dir.write("token", "one");
  auto clock = std::make_shared<ManualClock>(TimePoint{} + std::chrono::hours(1000));
  auto source = TokenSource::file(path, std::chrono::seconds(60), clock);
  EXPECT_EQ(source->token().reveal(), "one");

  // The kubelet writes a new token; the mtime moves (set explicitly: the filesystem's
  // timestamp granularity could hide a rewrite within the same tick).
  dir.write("token", "two\n");
  fs::last_write_time(path, fs::last_write_time(path) + std::chrono::seconds(5));
  clock->advance(std::chrono::seconds(59));
  EXPECT_EQ(source->token().reveal(), "one") << "not looked at again within the interval";
  clock->advance(std::chrono::seconds(1));
  EXPECT_EQ(source->token().reveal(), "two");

  // Mid-rotation the file may be briefly empty: the last good token stays in use.
  dir.write("token", "");
  fs::last_write_time(path, fs::last_write_time(path) + std::chrono::seconds(10));
  clock->advance(std::chrono::seconds(61));
  EXPECT_EQ(source->token().reveal(), "two");

  // refresh() looks now, whatever the interval, and says whether the token changed.
  dir.write("token", "three");
  EXPECT_TRUE(source->refresh());
  EXPECT_EQ(source->token().reveal(), "three");
  EXPECT_FALSE(source->refresh());

  EXPECT_THROW(TokenSource::file(dir.path() + "/missing"), ConfigError);
  EXPECT_FALSE(TokenSource::fixed(Secret("x"))->refresh());
}

}  // namespace
}  // namespace rotor::kube

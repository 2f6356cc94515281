#include "controller/accounts.hpp"

#include <algorithm>

#include "access/instance_scope.hpp"
#include "access/secret_marks.hpp"
#include "cloud/federated_auth.hpp"
#include "kube/json.hpp"
#include "util/base64.hpp"

namespace rotor::controller {
namespace {

using kube::find;
using kube::get_string;

AccountFailure fail(std::string reason, std::string message, bool transient = false) {
  return AccountFailure{std::move(reason), std::move(message), transient};
}

// credentials.oidc / podIdentity / ecsMetadata into `cfg`; the variant's name, or null
// when the account uses none of them.
const char* ambient_credentials(const kube::Object& a, AccountConfig& cfg) {
  if (const kube::Json* oidc = find(a, {"spec", "credentials", "oidc"})) {
    cfg.oidc_provider_id = get_string(*oidc, {"providerId"});
    return "oidc";
  }
  if (find(a, {"spec", "credentials", "podIdentity"})) {
    cfg.pod_identity = true;
    return "podIdentity";
  }
  if (find(a, {"spec", "credentials", "ecsMetadata"})) {
    cfg.ecs_metadata = true;
    return "ecsMetadata";
  }
  return nullptr;
}

const char* service_key(ResourceKind kind) {
  switch (kind) {
    case ResourceKind::kDdmAccount:
      return "ddm";
    case ResourceKind::kDmsInstance:
      return "dms";
    case ResourceKind::kDcsInstance:
      break;
  }
  return "dcs";
}

AccountFailure api_failure(const std::string& what, const kube::Error& e) {
  if (e.kind == kube::ErrorKind::kNotFound) return fail("NotFound", what + " not found");
  if (e.kind == kube::ErrorKind::kForbidden) return fail("Forbidden", "rotor may not read " + what);
  return fail("KubernetesError", "reading " + what + ": " + e.describe(), true);
}

// A key of a Secret, decoded; nullopt when absent.
std::optional<Secret> secret_value(const kube::Object& secret, const std::string& key) {
  const kube::Json* v = find(secret, {"data", key});
  if (v == nullptr || !v->is_string()) return std::nullopt;
  auto decoded = base64_decode(v->as_string());
  if (!decoded) return std::nullopt;
  return Secret(std::move(*decoded));
}

}  // namespace

std::variant<AccountConfig, AccountFailure> AccountResolver::load(const RotatedResource& r,
                                                                  std::string& version) {
  const auto& ref =
      r.cluster_account ? kube::resources::kClusterCloudAccounts : kube::resources::kCloudAccounts;
  const std::string what =
      std::string(r.cluster_account ? "ClusterCloudAccount " : "CloudAccount ") +
      (r.cluster_account ? "" : r.ns + "/") + r.account_name;
  auto account = api_.get(ref, r.cluster_account ? "" : r.ns, r.account_name);
  if (!account) {
    auto f = api_failure(what, account.error());
    if (f.reason == "NotFound") f.reason = "AccountNotFound";
    return f;
  }
  const kube::Object& a = *account;
  // The namespace whose Secrets the account may name: its own.
  std::string secrets_ns = r.ns;
  if (r.cluster_account) {
    const kube::Json* allowed = find(a, {"spec", "allowedNamespaces"});
    bool ok = false;
    if (allowed) {
      if (const kube::Json* names = find(*allowed, {"names"}); names && names->is_array()) {
        for (const auto& n : names->as_array()) ok |= n.is_string() && n.as_string() == r.ns;
      }
      if (const kube::Json* sel = find(*allowed, {"selector"}); !ok && sel) {
        auto ns = api_.get(kube::resources::kNamespaces, "", r.ns);
        if (!ns) return api_failure("namespace " + r.ns, ns.error());
        const kube::Json* labels = find(*ns, {"metadata", "labels"});
        ok = selector_matches(*sel, labels ? *labels : kube::Json::object());
      }
    }
    if (!ok) {
      return fail("AccountNotAllowed", what + " does not allow namespace " + r.ns);
    }
  }
  const access::InstanceRequest wanted{what, r.cluster_account, r.ns, service_key(r.kind),
                                       r.instance.instance_id};
  const auto scope = access::check_instance(
      find(a, {"spec", "allowedInstances"}), wanted, [&]() -> std::optional<kube::Json> {
        auto ns = api_.get(kube::resources::kNamespaces, "", r.ns);
        if (!ns) return std::nullopt;
        const kube::Json* labels = find(*ns, {"metadata", "labels"});
        return labels ? *labels : kube::Json::object();
      });
  if (!scope.admitted) return fail("InstanceNotAllowed", scope.message, scope.transient);

  AccountConfig cfg;
  cfg.id = what;
  cfg.project_id = get_string(a, {"spec", "projectId"});
  const auto cloud_kind = cloud::parse_cloud(get_string(a, {"spec", "cloud"}, "HuaweiCloud"));
  if (!cloud_kind || cfg.project_id.empty() || get_string(a, {"spec", "region"}).empty()) {
    return fail("AccountInvalid", what + " needs a valid cloud, region and projectId");
  }
  cfg.endpoints.cloud = *cloud_kind;
  cfg.endpoints.region = get_string(a, {"spec", "region"});
  for (auto s :
       {cloud::Service::kDcs, cloud::Service::kDdm, cloud::Service::kDms, cloud::Service::kIam}) {
    const std::string url = get_string(a, {"spec", "endpoints", cloud::to_string(s)});
    if (url.empty()) continue;
    if (auto why = access::endpoint_refusal(endpoint_policy_, url))
      return fail("EndpointNotAllowed",
                  what + ": spec.endpoints." + cloud::to_string(s) + ": " + *why);
    cfg.endpoints.overrides[s] = url;
  }
  version = kube::resource_version_of(a);

  // Reads one Secret the account names; cluster accounts name its namespace too.
  auto read_secret =
      [&](const kube::Json& ref_obj,
          std::string& secret_version) -> std::variant<kube::Object, AccountFailure> {
    const std::string name = get_string(ref_obj, {"name"});
    const std::string ns = r.cluster_account ? get_string(ref_obj, {"namespace"}) : secrets_ns;
    auto s = api_.get(kube::resources::kSecrets, ns, name);
    if (!s) {
      auto f = api_failure("Secret " + ns + "/" + name + " (named by " + what + ")", s.error());
      if (f.reason == "NotFound") f.reason = "CredentialsNotFound";
      return f;
    }
    if (auto why = access::account_secret_refusal(*s))
      return fail("SecretNotMarked", *why + " (named by " + what + ")");
    secret_version = kube::resource_version_of(*s);
    return *s;
  };

  std::string secret_version;
  if (const kube::Json* ref_obj = find(a, {"spec", "credentials", "secretRef"})) {
    auto s = read_secret(*ref_obj, secret_version);
    if (auto* f = std::get_if<AccountFailure>(&s)) return *f;
    const auto& secret = std::get<kube::Object>(s);
    auto ak = secret_value(secret, "accessKey");
    auto sk = secret_value(secret, "secretKey");
    if (!ak || !sk || ak->empty() || sk->empty()) {
      return fail("CredentialsInvalid", "the credentials Secret of " + what +
                                            " needs non-empty keys accessKey and secretKey");
    }
    cfg.access_key = cloud::AccessKey{ak->reveal(), std::move(*sk),
                                      secret_value(secret, "securityToken").value_or(Secret())};
  } else if (const kube::Json* iam = find(a, {"spec", "credentials", "iam"})) {
    const kube::Json* pref = find(*iam, {"passwordSecretRef"});
    if (pref == nullptr)
      return fail("AccountInvalid", what + ": credentials.iam.passwordSecretRef is required");
    auto s = read_secret(*pref, secret_version);
    if (auto* f = std::get_if<AccountFailure>(&s)) return *f;
    const std::string key = get_string(*pref, {"key"}, "password");
    auto pw = secret_value(std::get<kube::Object>(s), key);
    if (!pw || pw->empty()) {
      return fail("CredentialsInvalid",
                  "the IAM password Secret of " + what + " has no key " + key);
    }
    cfg.iam_user = cloud::IamUser{get_string(*iam, {"domain"}), get_string(*iam, {"username"}),
                                  std::move(*pw), cfg.project_id};
  } else if (const char* ambient = ambient_credentials(a, cfg)) {
    // The pod's own identity is the operator's, not a tenant's: only an account created by
    // a cluster administrator, whose allowedNamespaces and allowedInstances scope it, may
    // use it.
    if (!r.cluster_account)
      return fail("AccountInvalid", what + ": credentials." + ambient +
                                        " use rotor's own identity and are for "
                                        "ClusterCloudAccounts only");
    if (cfg.pod_identity && cfg.endpoints.cloud != cloud::CloudKind::kHuaweiCloud)
      return fail("AccountInvalid", what + ": CCE Pod Identity exists on HuaweiCloud only");
    secret_version = "ambient";
  } else {
    return fail("AccountInvalid", what + " has no credentials");
  }
  version += "/" + secret_version;
  if (const kube::Json* ca_ref = find(a, {"spec", "tls", "caSecretRef"})) {
    std::string ca_version;
    auto s = read_secret(*ca_ref, ca_version);
    if (auto* f = std::get_if<AccountFailure>(&s)) {
      if (f->reason == "CredentialsNotFound") f->reason = "CABundleNotFound";
      return *f;
    }
    const std::string key = get_string(*ca_ref, {"key"}, "ca.crt");
    auto pem = secret_value(std::get<kube::Object>(s), key);
    if (!pem || pem->reveal().find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
      return fail("CABundleInvalid",
                  "the CA Secret of " + what + " has no PEM certificates under key " + key);
    }
    cfg.ca_pem = pem->reveal();
    version += "/" + ca_version;
  }
  return cfg;
}

std::variant<ResolvedAccount, AccountFailure> AccountResolver::resolve(const RotatedResource& r) {
  std::string version;
  auto loaded = load(r, version);
  if (auto* f = std::get_if<AccountFailure>(&loaded)) return *f;
  AccountConfig& cfg = std::get<AccountConfig>(loaded);
  std::lock_guard lock(mu_);
  auto& slot = cache_[cfg.id];
  if (!slot.second || slot.first != version) slot = {version, factory_(cfg)};
  return ResolvedAccount{cfg.project_id, slot.second};
}

namespace {

// Credentials that cannot work in this pod: every call is "not sent", with why.
class Unavailable final : public cloud::Authenticator {
 public:
  explicit Unavailable(std::string why) : why_(std::move(why)) {}
  std::optional<cloud::Outcome> authenticate(http::Request&) override {
    cloud::Outcome o;
    o.kind = cloud::OutcomeKind::kNotSent;
    o.message = why_;
    return o;
  }

 private:
  std::string why_;
};

// Owns what an HttpPasswordApi borrows.
class OwnedHttpCloud final : public cloud::PasswordApi {
 public:
  OwnedHttpCloud(const AccountConfig& cfg, const Clock& clock, const HttpCloudOptions& options) {
    http::ClientOptions opts;
    opts.timeout = std::chrono::seconds(30);
    opts.extra_ca_pem = cfg.ca_pem;
    client_ = options.make_client ? options.make_client(opts) : http::make_client(opts);
    if (cfg.access_key) {
      auth_ = std::make_unique<cloud::AkSkAuthenticator>(*cfg.access_key, clock);
    } else if (!cfg.oidc_provider_id.empty()) {
      auth_ = std::make_unique<cloud::OidcTokenAuthenticator>(
          cloud::OidcSettings{options.oidc_token_file, cfg.oidc_provider_id, cfg.project_id,
                              cfg.endpoints.base_url(cloud::Service::kIam)},
          *client_, clock);
    } else if (cfg.pod_identity) {
      if (auto env = cloud::pod_identity_from_environment()) {
        auth_ = std::make_unique<cloud::TemporaryKeyAuthenticator>(
            std::make_unique<cloud::PodIdentitySource>(env->uri, env->token_file, *client_), clock);
      } else {
        auth_ = std::make_unique<Unavailable>(
            "credentials.podIdentity: the pod has no " +
            std::string(cloud::PodIdentitySource::kUriEnv) + " and " +
            cloud::PodIdentitySource::kTokenFileEnv +
            " (is a CCE Pod Identity association set for rotor's service "
            "account?)");
      }
    } else if (cfg.ecs_metadata) {
      auth_ = std::make_unique<cloud::TemporaryKeyAuthenticator>(
          std::make_unique<cloud::EcsMetadataSource>(options.metadata_url, *client_), clock);
    } else {
      auth_ = std::make_unique<cloud::IamTokenAuthenticator>(
          *cfg.iam_user, cfg.endpoints.base_url(cloud::Service::kIam), *client_, clock);
    }
    api_ = std::make_unique<cloud::HttpPasswordApi>(cfg.endpoints, *auth_, *client_);
  }
  cloud::Outcome dcs_reset(const cloud::InstanceRef& r, const Secret& p, bool free) override {
    return api_->dcs_reset(r, p, free);
  }
  cloud::Outcome dcs_change(const cloud::InstanceRef& r, const Secret& o,
                            const Secret& n) override {
    return api_->dcs_change(r, o, n);
  }
  cloud::Outcome ddm_reset(const cloud::InstanceRef& r, const std::string& u,
                           const Secret& p) override {
    return api_->ddm_reset(r, u, p);
  }
  cloud::Outcome dms_reset(const cloud::InstanceRef& r, cloud::DmsEngine e,
                           const Secret& p) override {
    return api_->dms_reset(r, e, p);
  }

 private:
  std::unique_ptr<http::Client> client_;
  std::unique_ptr<cloud::Authenticator> auth_;
  std::unique_ptr<cloud::HttpPasswordApi> api_;
};

}  // namespace

CloudFactory make_http_cloud_factory(const Clock& clock, HttpCloudOptions options) {
  options.auth_cooldown = std::max<Duration>(options.auth_cooldown, kMinAuthCooldown);
  if (!options.rates) options.rates = std::make_shared<cloud::RateRegistry>();
  return [&clock, options](const AccountConfig& cfg) -> std::shared_ptr<cloud::PasswordApi> {
    std::shared_ptr<cloud::PasswordApi> api = std::make_shared<OwnedHttpCloud>(cfg, clock, options);
    if (options.pace) {
      api = std::make_shared<cloud::PacedPasswordApi>(std::move(api), cfg.id, cfg.endpoints,
                                                      *options.rates, clock);
    }
    return std::make_shared<cloud::AuthGate>(std::move(api), cfg.id, clock, options.auth_cooldown);
  };
}

}  // namespace rotor::controller

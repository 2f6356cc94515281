#pragma once
// From a resource's cloudAccountRef to a client of the cloud: finds the CloudAccount (same
// namespace only) or ClusterCloudAccount (only if it allows the resource's namespace), checks
// that the account admits the instance (access/instance_scope.hpp) and that its endpoints may
// receive credentials (access/endpoint_policy.hpp), reads its credentials Secret (only one
// marked for rotor, access/secret_marks.hpp), and builds a PasswordApi. Clients are cached per
// account and credentials version, so an IAM token is reused across reconciles, and so is the
// AuthGate that stops refused credentials from being tried again by every resource of the account.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <variant>

#include "access/endpoint_policy.hpp"
#include "access/label_selector.hpp"
#include "cloud/auth.hpp"
#include "cloud/auth_gate.hpp"
#include "cloud/paced_api.hpp"
#include "cloud/password_api.hpp"
#include "controller/resource.hpp"
#include "kube/api.hpp"

namespace rotor::controller {

// Everything needed to talk to the cloud for one account.
struct AccountConfig {
  std::string id;  // "CloudAccount/ns/name" or "ClusterCloudAccount/name"
  std::string project_id;
  cloud::Endpoints endpoints;
  std::optional<cloud::AccessKey> access_key;
  std::optional<cloud::IamUser> iam_user;
  // rotor's own identity (ClusterCloudAccount only): its service-account token federated
  // through this IAM identity provider, CCE Pod Identity, or the ECS node's agency.
  std::string oidc_provider_id;
  bool pod_identity = false;
  bool ecs_metadata = false;
  std::string ca_pem;  // tls.caSecretRef: CA certificates trusted in addition to the system roots
};

// Builds the cloud client for an account; tests substitute an in-memory cloud.
using CloudFactory = std::function<std::shared_ptr<cloud::PasswordApi>(const AccountConfig&)>;

// A refusal is not retried for less than this: IAM and AK lockouts last minutes.
inline constexpr auto kMinAuthCooldown = std::chrono::minutes(15);

struct HttpCloudOptions {
  // How long refused credentials stay untried (cloud::AuthGate); raised to kMinAuthCooldown.
  Duration auth_cooldown = cloud::AuthGate::kDefaultCooldown;
  // rotor's projected service-account token for credentials.oidc (its audience is the IAM
  // identity provider's); the chart mounts it here.
  std::string oidc_token_file = "/var/run/secrets/rotor.dev/oidc/token";
  // The ECS metadata service for credentials.ecsMetadata (tests point it at loopback).
  std::string metadata_url = "http://169.254.169.254";
  // Builds each account's HTTP client; null: http::make_client. Tests count requests here.
  std::function<std::unique_ptr<http::Client>(const http::ClientOptions&)> make_client;
  // The pace learned per account and endpoint (cloud/paced_api.hpp); null: the factory
  // keeps its own. Shared so that metrics and benchmarks can read it.
  std::shared_ptr<cloud::RateRegistry> rates;
  // Off: calls go out as soon as they are made (tests on a ManualClock that is not moved).
  bool pace = true;
};

// The production factory: HTTPS with http::make_client, AK/SK signing or IAM tokens, paced per
// account and endpoint, behind an AuthGate per account and credentials version.
CloudFactory make_http_cloud_factory(const Clock& clock, HttpCloudOptions options = {});

struct AccountFailure {
  std::string
      reason;  // condition reason: AccountNotFound, AccountNotAllowed, CredentialsInvalid, ...
  std::string message;     // names objects and keys, never their values
  bool transient = false;  // worth retrying with backoff (API errors), vs. waiting for a change
};

struct ResolvedAccount {
  std::string project_id;
  std::shared_ptr<cloud::PasswordApi> api;
};

class AccountResolver {
 public:
  AccountResolver(kube::Api& api, CloudFactory factory, access::EndpointPolicy endpoints = {})
      : api_(api), factory_(std::move(factory)), endpoint_policy_(std::move(endpoints)) {}
  std::variant<ResolvedAccount, AccountFailure> resolve(const RotatedResource& r);

 private:
  std::variant<AccountConfig, AccountFailure> load(const RotatedResource& r, std::string& version);

  kube::Api& api_;
  CloudFactory factory_;
  access::EndpointPolicy endpoint_policy_;
  std::mutex mu_;
  // id -> (version of account and credentials, client)
  std::map<std::string, std::pair<std::string, std::shared_ptr<cloud::PasswordApi>>> cache_;
};

using access::selector_matches;

}  // namespace rotor::controller

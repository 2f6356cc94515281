#include "access/secret_marks.hpp"

namespace rotor::access {
namespace {

std::string id_of(const kube::Object& s) {
  return kube::namespace_of(s) + "/" + kube::name_of(s);
}

}  // namespace

std::optional<std::string> target_refusal(const kube::Object& secret, bool written_by_owner) {
  if (kube::get_string(secret, {"type"}) == kServiceAccountTokenType)
    return "Secret " + id_of(secret) + " is a service-account token; rotor never writes one";
  if (!kube::get_string(secret, {"metadata", "labels", kCredentialsLabel}).empty())
    return "Secret " + id_of(secret) + " holds cloud credentials (label " + kCredentialsLabel +
           "); rotor never writes one";
  if (kube::get_string(secret, {"metadata", "labels", kManagedByLabel}) == "rotor" ||
      written_by_owner)
    return std::nullopt;
  return "Secret " + id_of(secret) + " exists and is not marked for rotor: label it " +
         kManagedByLabel + "=rotor to let rotor manage it, or name a Secret that does not " +
         "exist yet (rotor creates it)";
}

std::optional<std::string> account_secret_refusal(const kube::Object& secret) {
  if (kube::get_string(secret, {"type"}) == kServiceAccountTokenType)
    return "Secret " + id_of(secret) + " is a service-account token; rotor never reads one";
  if (kube::get_string(secret, {"metadata", "labels", kCredentialsLabel}) == "true")
    return std::nullopt;
  return "Secret " + id_of(secret) + " is not marked for rotor: label it " + kCredentialsLabel +
         "=true to let rotor read it";
}

}  // namespace rotor::access

#pragma once
// The --service values of the CLI and the password call each one uses.
#include <optional>
#include <string>

#include "cloud/password_api.hpp"
#include "password/policy.hpp"

namespace rotor::cli {

enum class ServiceName { kDcs, kDdm, kKafka, kRabbitMq };

std::optional<ServiceName> parse_service_name(const std::string& text);
// The call whose policy a generated password must satisfy.
password::Call policy_call(ServiceName service, bool dcs_change_only);

}  // namespace rotor::cli

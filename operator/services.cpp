#include "services.hpp"

namespace rotor::cli {

std::optional<ServiceName> parse_service_name(const std::string& text) {
  if (text == "dcs") return ServiceName::kDcs;
  if (text == "ddm") return ServiceName::kDdm;
  if (text == "kafka") return ServiceName::kKafka;
  if (text == "rabbitmq") return ServiceName::kRabbitMq;
  return std::nullopt;
}

password::Call policy_call(ServiceName service, bool dcs_change_only) {
  switch (service) {
    case ServiceName::kDcs:
      // A password for `auto` may reach the change call after a DCS.4839 fallback; the
      // reset intersection is the narrower of the two, so it satisfies both.
      return dcs_change_only ? password::Call::kDcsChange : password::Call::kDcsReset;
    case ServiceName::kDdm:
      return password::Call::kDdmReset;
    case ServiceName::kKafka:
    case ServiceName::kRabbitMq:
      return password::Call::kDmsReset;
  }
  return password::Call::kDcsReset;
}

}  // namespace rotor::cli

// The password rules of every document version in ../shared/seeds (see INDEX.md and the
// "Special characters allowed, by document" table of ../shared/api-notes.md).
#include <algorithm>

#include "password/policy.hpp"

namespace rotor::password {
namespace {

// Field order of Rules: id, description, min, max, specials, allow_space, no_leading_dash,
// reject_username, reject_weak, min_classes.
const std::vector<Rules>& dcs_reset() {
  static const std::vector<Rules> v = {
      {"dcs-reset-000", "DCS reset, doc 000 (2025-08-05)", 8, 64, "`~!@#$%^&*()-_=+|{},<.>/?",
       false, false, false, false, 3},
      // The older reset doc, still what Open Telekom Cloud runs: 32 at most, `\` but no `%`.
      {"dcs-reset-002", "DCS reset, doc 002 (older version, OTC)", 8, 32,
       R"(`~!@#$^&*()-_=+\|{},<.>/?)", false, false, false, false, 3},
  };
  return v;
}

const std::vector<Rules>& dcs_change() {
  static const std::vector<Rules> v = {
      {"dcs-change-001", "DCS change, doc 001 (2025-05-13)", 8, 64, "`~!@#$^&*()-_=+|{},<.>/?",
       false, false, false, false, 3},
  };
  return v;
}

const std::vector<Rules>& ddm_reset() {
  static const std::vector<Rules> v = {
      {"ddm-otc", "DDM reset, OTC doc and Go SDK", 8, 32, "~!@#%^*-_=+?", false, false, true, true,
       3},
      {"ddm-huawei-en", "DDM reset, Huawei Cloud English doc", 8, 32, "~!@#%^*-_+?", false, false,
       true, true, 3},
      // Doc 003 as it reads: its list is garbled ("... (!). @ # / %^ * - _ + ?") and names a
      // `/` no other source has. Kept literally so the simulator can play that region too;
      // the intersection drops the `/` anyway.
      {"ddm-003", "DDM reset, doc 003 (2026-05-30, as written)", 8, 32, "~!@#/%^*-_+?", false,
       false, true, true, 3},
  };
  return v;
}

const std::vector<Rules>& dms_reset() {
  // Doc 004 is reStructuredText: its `\\|` is an escaped single backslash followed by `|`,
  // and its `'""` is the two quote characters `'` and `"` (api-notes.md's table has one
  // `"`). Spaces are allowed besides the specials; a leading hyphen is not.
  static const std::vector<Rules> v = {
      {"dms-004", "DMS (Kafka/RabbitMQ) reset, doc 004 (OTC)", 8, 32,
       R"(`~!@#$%^&*()-_=+\|[{}];:'",<.>/?)", true, true, false, false, 3},
  };
  return v;
}

const char* slug(Call call) {
  switch (call) {
    case Call::kDcsReset:
      return "dcs-reset";
    case Call::kDcsChange:
      return "dcs-change";
    case Call::kDdmReset:
      return "ddm-reset";
    case Call::kDmsReset:
      return "dms-reset";
  }
  return "unknown";
}

}  // namespace

const char* to_string(Call call) {
  switch (call) {
    case Call::kDcsReset:
      return "DCS reset";
    case Call::kDcsChange:
      return "DCS change";
    case Call::kDdmReset:
      return "DDM reset";
    case Call::kDmsReset:
      return "DMS reset";
  }
  return "unknown call";
}

const std::vector<Rules>& document_versions(Call call) {
  switch (call) {
    case Call::kDcsReset:
      return dcs_reset();
    case Call::kDcsChange:
      return dcs_change();
    case Call::kDdmReset:
      return ddm_reset();
    case Call::kDmsReset:
      return dms_reset();
  }
  throw std::invalid_argument("document_versions: unknown call");
}

const Rules* find_version(std::string_view id) {
  for (Call call : {Call::kDcsReset, Call::kDcsChange, Call::kDdmReset, Call::kDmsReset}) {
    for (const Rules& r : document_versions(call)) {
      if (r.id == id) return &r;
    }
  }
  return nullptr;
}

Rules intersection(Call call) {
  const std::vector<Rules>& versions = document_versions(call);
  Rules out = versions.front();
  out.id = std::string(slug(call)) + "-all";
  out.description = std::string(to_string(call)) + ", accepted by every document version";
  for (const Rules& r : versions) {
    out.min_length = std::max(out.min_length, r.min_length);
    out.max_length = std::min(out.max_length, r.max_length);
    // Keep the first version's order so the result reads like the documents.
    std::erase_if(out.specials, [&](char c) { return r.specials.find(c) == std::string::npos; });
    out.allow_space = out.allow_space && r.allow_space;  // a permission: all must grant it
    out.no_leading_dash = out.no_leading_dash || r.no_leading_dash;  // prohibitions: any
    out.reject_username = out.reject_username || r.reject_username;
    out.reject_weak = out.reject_weak || r.reject_weak;
    out.min_classes = std::max(out.min_classes, r.min_classes);
  }
  return out;
}

}  // namespace rotor::password

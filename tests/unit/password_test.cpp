// Password rules, policy, generator and validator against the seed documents.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <random>
#include <set>

#include "password/policy.hpp"

namespace rotor::password {
namespace {

using enum Call;
constexpr std::array kCalls = {kDcsReset, kDcsChange, kDdmReset, kDmsReset};

// Replays a fixed byte sequence, cyclically.
class SeqRandom final : public RandomSource {
 public:
  explicit SeqRandom(std::vector<std::uint8_t> bytes) : bytes_(std::move(bytes)) {}
  void fill(std::uint8_t* out, std::size_t n) override {
    for (std::size_t i = 0; i < n; ++i) out[i] = bytes_[pos_++ % bytes_.size()];
  }
  std::size_t consumed() const { return pos_; }

 private:
  std::vector<std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

// A seeded generator, so statistical tests are reproducible and cannot flake.
class MtRandom final : public RandomSource {
 public:
  explicit MtRandom(std::uint64_t seed) : mt_(seed) {}
  void fill(std::uint8_t* out, std::size_t n) override {
    for (std::size_t i = 0; i < n; ++i, word_ >>= 8, --left_) {
      if (left_ == 0) word_ = mt_(), left_ = 8;
      out[i] = static_cast<std::uint8_t>(word_);
    }
  }

 private:
  std::mt19937_64 mt_;
  std::uint64_t word_ = 0, left_ = 0;
};

std::string username_for(Call call) {
  return call == kDdmReset ? "rotor_admin" : "";
}

const Rules& version(std::string_view id) {
  const Rules* r = find_version(id);
  if (!r) throw std::logic_error("no version " + std::string(id));
  return *r;
}

std::string error_of(std::string_view id, std::string_view pw, std::string_view user = {}) {
  return validate(version(id), pw, user).value_or("");
}

// Designated initializers would read better, but GCC 12 warns on the omitted members.
Options opts(std::optional<std::size_t> length, std::optional<std::string> specials = {},
             std::string username = "") {
  Options o;
  o.length = length;
  o.special_characters = std::move(specials);
  o.username = std::move(username);
  return o;
}

bool has(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

std::string policy_error(Call call, const Options& options) {
  try {
    make_policy(call, options);
  } catch (const PolicyError& e) {
    return e.what();
  }
  return "";
}

TEST(PasswordRules, IntersectionsMatchTheApiNotes) {
  const Rules dcs = intersection(kDcsReset);
  EXPECT_EQ(dcs.specials, "`~!@#$^&*()-_=+|{},<.>/?");
  EXPECT_TRUE(dcs.min_length == 8 && dcs.max_length == 32);
  EXPECT_EQ(intersection(kDcsChange).specials, "`~!@#$^&*()-_=+|{},<.>/?");
  EXPECT_EQ(intersection(kDcsChange).max_length, 64u);
  const Rules ddm = intersection(kDdmReset);
  EXPECT_EQ(ddm.specials, "~!@#%^*-_+?");
  EXPECT_TRUE(ddm.reject_username && ddm.reject_weak);
  const Rules dms = intersection(kDmsReset);
  EXPECT_EQ(dms.specials, R"(`~!@#$%^&*()-_=+\|[{}];:'",<.>/?)");
  EXPECT_TRUE(dms.allow_space && dms.no_leading_dash);
  EXPECT_EQ(version("dcs-reset-002").specials, R"(`~!@#$^&*()-_=+\|{},<.>/?)");
  EXPECT_EQ(version("ddm-003").specials, "~!@#/%^*-_+?");
  EXPECT_EQ(find_version("dcs-reset-999"), nullptr);
  std::set<std::string> ids;
  for (Call call : kCalls)
    for (const Rules& r : document_versions(call)) EXPECT_TRUE(ids.insert(r.id).second) << r.id;
}

TEST(PasswordPolicy, Defaults) {
  for (Call call : kCalls) {
    const Policy p = make_policy(call, opts({}, {}, username_for(call)));
    EXPECT_EQ(p.length, 32u) << to_string(call);
    EXPECT_EQ(p.rules.min_classes, 4u);
  }
  // DMS leaves out space, quotes and backslash by default (sasl.jaas.config, URIs, shells).
  const Policy dms = make_policy(kDmsReset);
  EXPECT_EQ(dms.rules.specials, "`~!@#$%^&*()-_=+|[{}];:,<.>/?");
  EXPECT_TRUE(!dms.rules.allow_space && dms.rules.no_leading_dash);
}

TEST(PasswordPolicy, OptionErrorsNameTheRule) {
  EXPECT_EQ(policy_error(kDcsReset, opts(70)), "length 70 is outside 8..32 allowed for DCS reset");
  EXPECT_EQ(policy_error(kDcsReset, opts(7)), "length 7 is outside 8..32 allowed for DCS reset");
  EXPECT_EQ(policy_error(kDcsChange, opts(65)),
            "length 65 is outside 8..64 allowed for DCS change");
  EXPECT_EQ(policy_error(kDcsChange, opts(64)), "");
  EXPECT_TRUE(has(policy_error(kDdmReset, opts(33, {}, "u")), "length 33"));
  EXPECT_TRUE(has(policy_error(kDmsReset, opts(33)), "8..32"));
  using Case = std::tuple<Call, const char*, const char*>;
  for (auto [call, chars, named] : std::vector<Case>{{kDcsReset, "!%", "'%'"},
                                                     {kDcsReset, "\\", "'\\'"},
                                                     {kDcsReset, " ", "space"},
                                                     {kDcsChange, "%", "'%'"},
                                                     {kDmsReset, "!\t", "byte 0x09"}}) {
    const std::string e = policy_error(call, opts({}, chars));
    EXPECT_TRUE(has(e, std::string(named) + " is not a special character allowed for")) << e;
  }
  EXPECT_TRUE(has(policy_error(kDdmReset, opts({}, "=", "u")), "'='"));
  EXPECT_TRUE(has(policy_error(kDcsReset, opts({}, "")), "must not be empty"));
  EXPECT_TRUE(has(policy_error(kDdmReset, {}), "username is required"));
  const std::string pw = "Xq7%mPz9rT";  // an option, not a password, yet never quoted whole
  EXPECT_TRUE(has(policy_error(kDcsReset, opts({}, pw)), "'X' is not a special"));
  EXPECT_FALSE(has(policy_error(kDcsReset, opts({}, pw)), pw));
}

TEST(PasswordPolicy, NarrowedAndOptInSpecialSets) {
  MtRandom rng(7);
  const Policy dcs = make_policy(kDcsReset, opts({}, "!##!"));
  EXPECT_EQ(dcs.rules.specials, "!#");
  const Policy dms = make_policy(kDmsReset, opts(8, R"( '"\)"));
  std::set<char> seen;
  for (int i = 0; i < 5000; ++i) {
    const Secret s = generate(i % 2 ? dcs : dms, rng);
    for (char c : s.reveal())
      if (!std::isalnum(static_cast<unsigned char>(c))) seen.insert(c);
    EXPECT_TRUE(i % 2 || (s.reveal().front() != ' ' && s.reveal().back() != ' '));
  }
  EXPECT_EQ(seen, (std::set<char>{'!', '#', ' ', '\'', '"', '\\'}));
}

// The key property: a default-policy password is accepted by every document version.
TEST(PasswordGenerate, DefaultPolicyPassesEveryDocumentVersion) {
  for (Call call : kCalls) {
    const std::string user = username_for(call);
    const Policy policy = make_policy(call, opts({}, {}, user));
    MtRandom rng(static_cast<std::uint64_t>(call) + 1);
    std::array<bool, 256> seen{};
    for (int i = 0; i < 100000; ++i) {
      const Secret s = generate(policy, rng);
      const std::string& pw = s.reveal();
      ASSERT_EQ(pw.size(), 32u);
      for (const Rules& r : document_versions(call))
        ASSERT_EQ(validate(r, pw, user).value_or(""), "") << r.id;
      ASSERT_FALSE(validate(policy.rules, pw, user));  // all four classes, among others
      ASSERT_FALSE(has_weak_pattern(pw));
      for (char c : pw) seen[static_cast<unsigned char>(c)] = true;
    }
    // Every character of the alphabet turns up, and nothing else.
    EXPECT_EQ(static_cast<std::size_t>(std::count(seen.begin(), seen.end(), true)),
              62 + policy.rules.specials.size())
        << to_string(call);
  }
}

TEST(PasswordGenerate, ReproducibleFromTheSameBytes) {
  const Policy p = make_policy(kDmsReset);
  MtRandom a(42), b(42), c(43);
  const Secret first = generate(p, a);
  EXPECT_TRUE(first == generate(p, b));
  EXPECT_FALSE(first == generate(p, c));
  std::vector<std::uint8_t> bytes;
  for (int i = 0; i < 997; ++i) bytes.push_back(static_cast<std::uint8_t>(i * 131 + 17));
  SeqRandom x(bytes), y(bytes);
  EXPECT_TRUE(generate(p, x) == generate(p, y));
  EXPECT_EQ(x.consumed(), y.consumed());
}

TEST(PasswordGenerate, UniformRejectsTheBiasedTail) {
  // 0xFFFFFFFF is in the biased tail: drawn again, not reduced to 0xFFFFFFFF % 10 == 5.
  SeqRandom r({0xFF, 0xFF, 0xFF, 0xFF, 7, 0, 0, 0});
  EXPECT_EQ(r.uniform(10), 7u);
  EXPECT_EQ(r.consumed(), 8u);
}

TEST(PasswordGenerate, BrokenSourceThrowsInsteadOfLooping) {
  SeqRandom zeros({0});  // every draw is 0: "aaa..." is refused every time
  EXPECT_THROW(generate(make_policy(kDcsReset), zeros), std::runtime_error);
}

// Chi-square over the characters of many passwords, overall and at the first position,
// against what one-per-class plus 28 union draws plus a shuffle should give.
TEST(PasswordGenerate, CharacterFrequenciesLookUniform) {
  const Policy p = make_policy(kDcsReset);
  const std::array<std::string, 4> classes = {
      "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789", p.rules.specials};
  const double union_size = 62.0 + static_cast<double>(p.rules.specials.size());
  constexpr int kN = 20000;
  std::map<char, double> all, first;
  MtRandom rng(2024);
  for (int i = 0; i < kN; ++i) {
    const Secret s = generate(p, rng);
    for (char c : s.reveal()) all[c] += 1;
    first[s.reveal()[0]] += 1;
  }
  double chi_all = 0, chi_first = 0;
  for (const std::string& cls : classes) {
    const auto k = static_cast<double>(cls.size());
    for (char c : cls) {
      const double e_all = kN * (1 / k + 28 / union_size);
      const double e_first = e_all / 32;
      chi_all += (all[c] - e_all) * (all[c] - e_all) / e_all;
      chi_first += (first[c] - e_first) * (first[c] - e_first) / e_first;
    }
  }
  // 84 degrees of freedom: mean 84, standard deviation 13. A byte-modulo draw or a missing
  // shuffle lands in the thousands.
  EXPECT_LT(chi_all, 160);
  EXPECT_LT(chi_first, 160);
}

// Validator cases: document version, password, username, a part of the expected message
// ("" when the password is accepted).
using Row = std::tuple<const char*, std::string, const char*, const char*>;

const std::vector<Row>& rows() {
  static const std::vector<Row> r = {
      {"dcs-reset-002", "Xq7\\mPz9rT", "", ""},  // 002 has the backslash ...
      {"dcs-reset-000", "Xq7\\mPz9rT", "", "contains a character outside the allowed set"},
      {"dcs-change-001", "Xq7\\mPz9rT", "", "outside the allowed set"},  // ... 000, 001 not
      {"dcs-reset-000", "Xq7%mPz9rT", "", ""},  // 000 has the percent sign ...
      {"dcs-reset-002", "Xq7%mPz9rT", "", "outside the allowed set"},  // ... 002, 001 not
      {"dcs-change-001", "Xq7%mPz9rT", "", "outside the allowed set"},
      {"ddm-otc", "Xq7=mPz9rT", "u", ""},
      {"ddm-huawei-en", "Xq7=mPz9rT", "u", "outside the allowed set"},
      {"ddm-003", "Xq7/mPz9rT", "u", ""},
      {"dcs-reset-000", "Xq7 mPz9rT", "", "outside the allowed set"},
      {"dcs-reset-000", "xqmPz79\xc3\xa9", "", "outside the allowed set"},  // non-ASCII
      {"dcs-reset-000", "Xq7!mPz", "", "length is outside the 8..64"},
      {"dcs-reset-000", std::string(60, 'x') + "Q7!z", "", ""},
      {"dcs-reset-000", std::string(61, 'x') + "Q7!z", "", "length is outside"},
      {"dcs-reset-002", std::string(29, 'x') + "Q7!z", "", "length is outside the 8..32"},
      {"dcs-reset-000", "xqmpzrtk", "", "fewer than 3 of the character classes"},
      {"dcs-reset-000", "xqmpz79r", "", "fewer than 3"},
      {"dcs-reset-000", "xqmPz79r", "", ""},
      {"dms-004", "-Xq7mPz9rT", "", "starts with a hyphen (-)"},
      {"dms-004", "Xq7-mPz9rT", "", ""},
      {"dms-004", "xq7 mpz9r", "", ""},  // space counts as the special class
      {"dms-004", R"(Xq7'm"Pz\9)", "", ""},
      {"dms-004", "Xq7[m]Pz;9:", "", ""},
      {"ddm-otc", "Rotor_Adm1n", "Rotor_Adm1n", "is the username"},
      {"ddm-otc", "rOTOR_aDM1N", "Rotor_Adm1n", "is the username"},
      {"ddm-huawei-en", "n1mdA_rotoR", "Rotor_Adm1n", "is the username reversed"},
      {"ddm-otc", "Rotor_Adm1n", "other", ""},
      {"ddm-otc", "Xq1234!Pz", "", "is a weak password"},
      {"dcs-reset-000", "Xq1234!Pz", "", ""},  // only DDM's documents refuse weakness
  };
  return r;
}

// Also: no message quotes the password it refuses.
TEST(PasswordValidate, DocumentExamplesAndRules) {
  for (const auto& [id, pw, user, want] : rows()) {
    const std::string e = error_of(id, pw, user);
    EXPECT_TRUE(*want ? has(e, want) : e.empty()) << id << ", want \"" << want << "\": " << e;
    EXPECT_FALSE(*want && has(e, pw)) << e;
  }
  EXPECT_EQ(error_of("ddm-otc", "Rotor_Adm1n", "Rotor_Adm1n"), "is the username");
}

TEST(PasswordValidate, WeakPatterns) {
  for (const char* weak : {"Xq7aaaPz!", "xx1234yy#Q", "Q!abcd9z", "Q!DCBA9z", "Q!9876za",
                           "Q!aBcD9z", "Q!zyXW9k", "abababab", "", "0123"}) {
    EXPECT_TRUE(has_weak_pattern(weak)) << weak;
  }
  for (const char* fine : {"Xq7!mPz9", "abc!XYZ9", "Q!abce9z", "a1b2c3d4", "Q7xyz{Rt", "Q7@ABCt",
                           "Q7x/012t", "aabbccdd", "9abc8ABC"}) {
    EXPECT_FALSE(has_weak_pattern(fine)) << fine;
  }
}

}  // namespace
}  // namespace rotor::password

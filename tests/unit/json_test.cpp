// rotor's Json: the conventions it keeps from cpprestsdk's web::json (sorted members unless
// asked to keep order, "%.17g" doubles), parsing limits, and access that throws on misuse.
#include <gtest/gtest.h>

#include "util/json.hpp"

namespace rotor {
namespace {

Json parse(const std::string& text) {
  std::error_code ec;
  Json v = Json::parse(text, ec);
  EXPECT_FALSE(ec) << text;
  return v;
}

TEST(Json, ParsedAndMadeObjectsSerialiseSortedUnlessOrderIsKept) {
  EXPECT_EQ(parse(R"( {"b":1, "a":[true,null,"x"], "c":{"z":0,"y":-2}} )").serialize(),
            R"({"a":[true,null,"x"],"b":1,"c":{"y":-2,"z":0}})");
  Json sorted = Json::object();
  sorted["zeta"] = Json::number(1);
  sorted["alpha"] = Json::string("a");
  EXPECT_EQ(sorted.serialize(), R"({"alpha":"a","zeta":1})");
  Json kept = Json::object(true);
  kept["zeta"] = Json::number(1);
  kept["alpha"] = Json::string("a");
  kept["zeta"] = Json::number(2);  // replaced in place
  EXPECT_EQ(kept.serialize(), R"({"zeta":2,"alpha":"a"})");
}

TEST(Json, NumbersKeepTheirKindAndDoublesPrintLikeBefore) {
  EXPECT_EQ(Json::number(3.0).serialize(), "3");
  EXPECT_EQ(Json::number(0.5).serialize(), "0.5");
  EXPECT_EQ(Json::number(0.1).serialize(), "0.10000000000000001");
  const Json v = parse(R"([18446744073709551615, -5, 1e3, 7])");
  EXPECT_TRUE(v.at(0).as_number().is_uint64());
  EXPECT_FALSE(v.at(0).as_number().is_int64());
  EXPECT_EQ(v.at(1).as_number().to_int64(), -5);
  EXPECT_TRUE(v.at(2).is_double());
  EXPECT_EQ(v.at(2).as_integer(), 1000);
  EXPECT_TRUE(v.at(3).is_integer());
  EXPECT_EQ(v.serialize(), "[18446744073709551615,-5,1000,7]");
}

TEST(Json, StringsAreEscapedAndUtf8PassesThrough) {
  const Json s = Json::string("a\"b\\c\n\x01/ü");
  EXPECT_EQ(s.serialize(), "\"a\\\"b\\\\c\\n\\u0001/ü\"");
  EXPECT_EQ(parse(s.serialize()), s);
  EXPECT_EQ(parse(R"("\u00fc\ud83d\ude00")").as_string(), "ü\xF0\x9F\x98\x80");
}

TEST(Json, RefusesWhatIsNotOneJsonDocument) {
  for (const char* bad : {"", "{", "[1,]", "{\"a\":1} x", "nul", "'a'", "{a:1}", "[1] [2]"}) {
    std::error_code ec;
    EXPECT_TRUE(Json::parse(bad, ec).is_null());
    EXPECT_TRUE(ec) << bad;
  }
}

TEST(Json, NestingBeyond128LevelsIsRefusedWithoutRecursing) {
  std::error_code ec;
  Json::parse(std::string(128, '[') + std::string(128, ']'), ec);
  EXPECT_FALSE(ec);
  Json::parse(std::string(129, '[') + std::string(129, ']'), ec);
  EXPECT_TRUE(ec);
  Json::parse(std::string(100000, '['), ec);
  EXPECT_TRUE(ec);
}

TEST(Json, AccessMakesWhatIsMissingAndMisuseThrows) {
  Json v;  // null
  v["a"]["b"] = Json::boolean(true);
  EXPECT_EQ(v.serialize(), R"({"a":{"b":true}})");
  Json list;
  list[2] = Json::number(1);
  EXPECT_EQ(list.serialize(), "[null,null,1]");
  EXPECT_TRUE(v.has_field("a"));
  EXPECT_FALSE(v.has_field("x"));
  EXPECT_THROW(v.at("x"), JsonError);
  EXPECT_THROW(v.at("a").as_string(), JsonError);
  EXPECT_THROW(list.at(3), JsonError);
  EXPECT_TRUE(v.erase("a"));
  EXPECT_FALSE(v.erase("a"));
  EXPECT_EQ(v.size(), 0u);
  EXPECT_TRUE(list.erase(0));
  EXPECT_EQ(list.serialize(), "[null,1]");
}

TEST(Json, CopiesAreDeepEqualityIgnoresMemberOrderAndMovedFromIsNull) {
  Json a = parse(R"({"x":[1,{"y":2}]})");
  Json b = a;
  b["x"][1]["y"] = Json::number(3);
  EXPECT_EQ(a.at("x").at(1).at("y").as_integer(), 2);
  Json kept = Json::object(true);
  kept["x"] = a.at("x");
  kept["w"] = Json::null();
  Json sorted = parse(R"({"w":null,"x":[1,{"y":2.0}]})");
  EXPECT_EQ(kept, sorted);
  EXPECT_FALSE(kept == b);
  Json moved = std::move(a);
  EXPECT_TRUE(a.is_null());  // NOLINT(bugprone-use-after-move): the state is the point
  EXPECT_TRUE(moved.is_object());
}

}  // namespace
}  // namespace rotor

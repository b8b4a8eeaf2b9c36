#include "policy/toml_subset.hpp"

#include <gtest/gtest.h>

#include <string>

namespace fleetpatch::policy::toml {
namespace {

TEST(TomlSubset, ReadsScalarsTablesAndArrays) {
  const auto doc = parse(R"(# comment
name = "a \"quoted\" \u00e9"  # trailing comment
lit = 'C:\path'
n = 1_000
f = 0.5
neg = -3
yes = true
when = 2026-12-01
stamp = 2026-12-01T03:04:05Z
list = ["x", 'y', 3,]
inline = { critical = 7, high = "none" }

[days]
low = 90

[[tier]]
match = "tag:prod"
[[tier]]
match = "tag:dmz"
)",
                         "t.toml");
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  EXPECT_EQ(doc->find("name")->text, "a \"quoted\" \xC3\xA9");
  EXPECT_EQ(doc->find("lit")->text, "C:\\path");
  EXPECT_EQ(doc->find("n")->integer, 1000);
  EXPECT_DOUBLE_EQ(doc->find("f")->number, 0.5);
  EXPECT_EQ(doc->find("neg")->integer, -3);
  EXPECT_TRUE(doc->find("yes")->boolean);
  EXPECT_EQ(doc->find("when")->kind, Value::Kind::kDate);
  EXPECT_EQ(doc->find("when")->text, "2026-12-01");
  EXPECT_EQ(doc->find("stamp")->text, "2026-12-01T03:04:05Z");
  ASSERT_EQ(doc->find("list")->items.size(), 3u);
  EXPECT_EQ(doc->find("list")->items[1].text, "y");
  EXPECT_EQ(doc->find("inline")->find("critical")->integer, 7);
  EXPECT_EQ(doc->find("days")->find("low")->integer, 90);
  EXPECT_EQ(doc->find("days")->line, 13u);
  ASSERT_EQ(doc->find("tier")->items.size(), 2u);
  EXPECT_EQ(doc->find("tier")->items[1].find("match")->text, "tag:dmz");
  EXPECT_EQ(doc->find("tier")->items[1].line, 18u);
}

TEST(TomlSubset, ErrorsNameTheLine) {
  struct Case {
    std::string text;
    std::string expected;  // a substring of the message
  };
  const Case cases[] = {
      {"a = 1\nb = \n", "t.toml:2: expected a value"},
      {"a = 1\na = 2\n", "t.toml:2: duplicate key \"a\" (first on line 1)"},
      {"a = \"open\n", "t.toml:1: unterminated string"},
      {"a.b = 1\n", "t.toml:1: dotted keys"},
      {"\"a\" = 1\n", "t.toml:1: quoted keys"},
      {"a = [1,\n2]\n", "t.toml:1: unterminated array"},
      {"a = { b = 1\n", "t.toml:1: expected ',' or '}'"},
      {"a = [[1]]\n", "nested arrays"},
      {"a = hello\n", "t.toml:1: cannot read value \"hello\""},
      {"a = 1 2\n", "unexpected text after the value"},
      {"[x]\n[x]\n", "t.toml:2: \"x\" is already defined (line 1)"},
      {"x = 1\n[[x]]\n", "is not an array of tables"},
      {"[x\n", "expected ']'"},
      {"[[x]\n", "expected ']]'"},
      {"a = \"\\q\"\n", "unknown escape"},
      {"a = \"\\uD800\"\n", "not a Unicode scalar"},
      {"a = 1__0\n", "misplaced '_'"},
      {"a = \"\"\"x\"\"\"\n", "multi-line strings"},
      {"= 3\n", "expected a key"},
      {"a 3\n", "expected '='"},
      {"a = inf\n", "cannot read value"},
  };
  for (const auto& c : cases) {
    const auto doc = parse(c.text, "t.toml");
    ASSERT_FALSE(doc.ok()) << c.text;
    EXPECT_NE(doc.error().message.find(c.expected), std::string::npos)
        << c.text << " -> " << doc.error().message;
  }
}

TEST(TomlSubset, CrlfBomAndNoFinalNewline) {
  const auto doc = parse(
      "\xEF\xBB\xBF"
      "a = 1\r\nb = \"x\"",
      "t");
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  EXPECT_EQ(doc->find("a")->integer, 1);
  EXPECT_EQ(doc->find("b")->text, "x");
}

}  // namespace
}  // namespace fleetpatch::policy::toml

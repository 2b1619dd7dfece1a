#include "routing/rule_parser.h"

#include <doctest/doctest.h>

#include <string>

#include "routing/rule_lexer.h"

namespace pier::routing {
namespace {

TEST_CASE("rule parser: valid syntax") {
  const char* rules[] = {
      "Host(`a`)",
      "Host(`a`) && Path(`/b`)",
      "Host(`a`) || Host(`b`) && Path(`/c`)",
      "!Host(`a`)",
      "!!Host(`a`)",
      "!(Host(`a`) || (Path(`/x`) && Method(`GET`)))",
      "  Host( `a` )\n&&\tPath(\"/b\")  ",
      "Header(`X`, `y`,)",  // Go accepts a trailing comma
      "Query(`k`)",
      "f()",  // syntax only: names are resolved by the compilers
  };
  for (const char* rule : rules) {
    CAPTURE(rule);
    CHECK(parseRule(rule).has_value());
  }
}

TEST_CASE("rule parser: && binds tighter than ||, flattened") {
  Result<RuleAst> ast = parseRule("Host(`a`) || Host(`b`) && Path(`/c`) || Host(`d`)");
  REQUIRE(ast);
  const RuleNode& root = *ast->root;
  REQUIRE(root.kind == RuleNode::Kind::Or);
  REQUIRE(root.children.size() == 3);
  CHECK(root.children[0]->kind == RuleNode::Kind::Call);
  CHECK(root.children[1]->kind == RuleNode::Kind::And);
  CHECK(root.children[1]->children.size() == 2);
  CHECK(root.children[2]->args[0].value == "d");
}

TEST_CASE("rule parser: negation pushed to leaves (De Morgan)") {
  Result<RuleAst> ast = parseRule("!(Host(`a`) && (Path(`/b`) || !Method(`GET`)))");
  REQUIRE(ast);
  const RuleNode& root = *ast->root;
  REQUIRE(root.kind == RuleNode::Kind::Or);  // !a || (!b && c)
  REQUIRE(root.children.size() == 2);
  CHECK(root.children[0]->negated);
  const RuleNode& inner = *root.children[1];
  REQUIRE(inner.kind == RuleNode::Kind::And);
  CHECK(inner.children[0]->negated);
  CHECK_FALSE(inner.children[1]->negated);

  Result<RuleAst> twice = parseRule("!!Host(`a`)");
  REQUIRE(twice);
  CHECK_FALSE(twice->root->negated);
}

TEST_CASE("rule parser: Go string literals") {
  struct Case {
    const char* rule;
    std::string value;
  };
  const Case cases[] = {
      {"Path(`/a\\n`)", "/a\\n"},    // raw: no escapes
      {"Path(`/a\r\nb`)", "/a\nb"},  // raw: carriage returns dropped
      {"Path(\"/a\\\"b\\\\c\")", "/a\"b\\c"},
      {"Path(\"/\\x41\\101\\u00e9\\U0001F600\")", "/AA\xc3\xa9\xf0\x9f\x98\x80"},
      {"Path(\"/\\t\\n\\r\\a\\b\\f\\v\")", "/\t\n\r\a\b\f\v"},
      {"Path(\"/`x`\")", "/`x`"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.rule);
    Result<RuleAst> ast = parseRule(c.rule);
    REQUIRE(ast);
    CHECK(ast->root->args[0].value == c.value);
  }
}

TEST_CASE("rule parser: errors name the column") {
  struct Case {
    const char* rule;
    const char* message;
  };
  const Case cases[] = {
      {"Host(`a`", "rule \"Host(`a`\" column 8: expected ')'"},
      {"Host('x')", "column 6: single quotes do not delimit strings"},
      {"", "column 1: empty rule"},
      {"   ", "column 3: empty rule"},
      {"Host(`a`) &", "column 11: expected '&&'"},
      {"Host(`a`) | Host(`b`)", "column 11: expected '||'"},
      {"Host(`a`) Host(`b`)", "column 11: expected '&&', '||' or end of rule, found 'Host'"},
      {"Host(a)", "column 6: expected a string literal"},
      {"Host(``)", "column 6: empty argument"},
      {"Host(\"\")", "column 6: empty argument"},
      {"Host(\"a)", "column 6: string literal not terminated"},
      {"Host(`a)", "column 6: raw string literal not terminated"},
      {"Path(\"/\\q\")", "column 8: unknown escape sequence"},
      {"Path(\"/\\x4\")", "column 8: escape sequence needs 2 hex digits"},
      {"Path(\"/\\400\")", "column 8: octal escape value > 255"},
      {"Path(\"/\\uD800\")", "column 8: escape sequence is an invalid Unicode code point"},
      {"Path(\"/\\'\")", "column 8: unknown escape sequence"},
      {"Path(\"/a\nb\")", "column 6: string literal not terminated"},
      {"(Host(`a`)", "column 10: expected ')', found end of rule"},
      {"Host(`a`))", "column 10: expected '&&', '||' or end of rule, found ')'"},
      {"Host", "column 4: expected '(' after matcher name"},
      {"Host `a`", "column 6: expected '(' after matcher name, found a string"},
      {"!", "column 1: expected a matcher call"},
      {"Host(`a`) && ", "column 13: expected a matcher call, '!' or '(', found end of rule"},
      {"Host(`a`,,)", "column 10: expected a string literal"},
      {"Host(`a` `b`)", "column 10: expected ')', found a string"},
      {"Host(`a`) && \xc3\xa9", "column 14: unexpected byte 0xc3"},
      {"Host(`a`) = Host(`b`)", "column 11: unexpected '='"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.rule);
    Result<RuleAst> ast = parseRule(c.rule);
    REQUIRE_FALSE(ast);
    CHECK(ast.error().source == ErrorSource::Config);
    CHECK_MESSAGE(ast.error().message.find(c.message) != std::string::npos, ast.error().message);
  }
}

TEST_CASE("rule parser: nesting depth is bounded") {
  std::string deep(200, '(');
  deep += "Host(`a`)";
  deep += std::string(200, ')');
  Result<RuleAst> ast = parseRule(deep);
  REQUIRE_FALSE(ast);
  CHECK(ast.error().message.find("nested too deeply") != std::string::npos);

  std::string nots(200, '!');
  nots += "Host(`a`)";
  CHECK_FALSE(parseRule(nots));

  std::string ok(20, '(');
  ok += "Host(`a`)";
  ok += std::string(20, ')');
  CHECK(parseRule(ok));
}

TEST_CASE("rule parser: columns of calls and arguments") {
  Result<RuleAst> ast = parseRule("Host(`a`) && Header(`K`, \"v\")");
  REQUIRE(ast);
  const RuleNode& header = *ast->root->children[1];
  CHECK(header.column == 14);
  CHECK(header.args[0].column == 21);
  CHECK(header.args[1].column == 26);
}

}  // namespace
}  // namespace pier::routing

// Constraints expressions (spec B.2): grammar, semantics and errors.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "providers/docker/constraints.h"

using pier::providers::docker::Constraints;

TEST_SUITE("providers.docker.constraints") {
  TEST_CASE("matching") {
    const std::map<std::string, std::string> web = {{"team", "web"}, {"env", "dev-1"}};
    const std::map<std::string, std::string> db = {{"team", "db"}, {"env", "prod"}};
    const std::map<std::string, std::string> none = {};
    struct Row {
      const char* id;
      const char* expr;
      bool web, db, none;
    };
    const Row rows[] = {
        {"empty", "", true, true, true},
        {"blank", "   ", true, true, true},
        {"B1.15 Label", "Label(`team`,`web`)", true, false, false},
        {"double quotes", "Label(\"team\", \"db\")", false, true, false},
        {"missing label = empty (regex)", "!LabelRegex(`team`, `.`)", false, false, true},
        {"not", "!Label(`team`,`web`)", false, true, true},
        {"and", "Label(`team`,`web`) && LabelRegex(`env`,`^dev`)", true, false, false},
        {"or", "Label(`team`,`web`) || Label(`team`,`db`)", true, true, false},
        {"spec example", "Label(`team`,`web`) && !LabelRegex(`env`,`^dev`)", false, false, false},
        {"regex unanchored", "LabelRegex(`env`, `ro`)", false, true, false},
        {"regex missing label", "LabelRegex(`nope`, `^$`)", true, true, true},
        {"parens and not", "!(Label(`team`,`web`) || Label(`team`,`db`))", false, false, true},
        {"precedence && over ||", "Label(`team`,`db`) || Label(`team`,`web`) && Label(`env`,`x`)",
         false, true, false},
        {"label names are case-sensitive", "Label(`TEAM`,`web`)", false, false, false},
    };
    for (const auto& r : rows) {
      INFO(std::string(r.id));
      auto c = Constraints::parse(r.expr);
      if (!c) {
        FAIL(c.error().message);
      }
      CHECK(c->matches(web) == r.web);
      CHECK(c->matches(db) == r.db);
      CHECK(c->matches(none) == r.none);
    }
  }

  TEST_CASE("errors") {
    struct Row {
      const char* id;
      const char* expr;
      const char* contains;
    };
    const Row rows[] = {
        {"unknown function", "Tag(`x`)", "column 1: unknown function `Tag`"},
        {"arity", "Label(`x`)", "Label takes 2 arguments"},
        {"bad regex", "LabelRegex(`x`, `(`)", "column 17: invalid regular expression"},
        {"syntax", "Label(`a`,`b`) &&", "constraints \"Label(`a`,`b`) &&\" column"},
        {"unclosed", "Label(`a`,`b`", "column"},
        {"single quotes", "Label('a','b')", "column 7"},
        // The rule grammar rejects empty literals; `!LabelRegex(`k`, `.`)` tests absence.
        {"empty literal", "Label(`team`, ``)", "column 15: empty argument"},
    };
    for (const auto& r : rows) {
      INFO(std::string(r.id));
      auto c = Constraints::parse(r.expr);
      REQUIRE_FALSE(c.has_value());
      CAPTURE(c.error().message);
      CHECK(c.error().message.find(r.contains) != std::string::npos);
      CHECK(c.error().message.rfind("constraints \"", 0) == 0);
    }
  }
}

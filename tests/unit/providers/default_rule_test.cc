// defaultRule templates (spec B.7): the Go text/template subset, its functions and its errors.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "providers/docker/default_rule.h"

using pier::providers::docker::DefaultRuleTemplate;
using pier::providers::docker::normalize;
using pier::providers::docker::TemplateData;

namespace {

const std::map<std::string, std::string> kLabels = {
    {"app.host", "api.example.com"},
    {"env", "prod"},
    {"list", "a,b,c"},
    {"com.docker.compose.service", "api"},
};

std::string render(const std::string& text) {
  auto t = DefaultRuleTemplate::parse(text);
  if (!t)
    return "PARSE ERROR: " + t.error().message;
  auto r = t->render(TemplateData{"api-p", "p-api-1", &kLabels});
  if (!r)
    return "RENDER ERROR: " + r.error().message;
  return *r;
}

}  // namespace

TEST_SUITE("providers.docker.default_rule") {
  TEST_CASE("normalize (spec B.5)") {
    struct Row {
      const char* in;
      const char* out;
    };
    const Row rows[] = {
        {"/my_app.v2", "my-app-v2"},
        {"web_shop", "web-shop"},
        {"simple", "simple"},
        {"--a--b--", "a-b"},
        {"", ""},
        {"___", ""},
        {"Héllo wörld", "Héllo-wörld"},
        {"a\xE2\x80\x94"
         "b",
         "a-b"},  // em dash is punctuation
        {"MiXeD.Case", "MiXeD-Case"},
        {"9lives", "9lives"},
    };
    for (const auto& r : rows) {
      CAPTURE(std::string(r.in));
      CHECK(normalize(r.in) == r.out);
    }
  }

  TEST_CASE("rendering: fields, functions, pipelines, control flow") {
    struct Row {
      const char* id;
      const char* tpl;
      const char* out;
    };
    const Row rows[] = {
        {"B7 default", "Host(`{{ normalize .Name }}`)", "Host(`api-p`)"},
        {"B1.17", "Host(`{{ .Name }}.example.com`)", "Host(`api-p.example.com`)"},
        {"container name", "Host(`{{ .ContainerName }}`)", "Host(`p-api-1`)"},
        {"index labels", "Host(`{{ index .Labels \"app.host\" }}`)", "Host(`api.example.com`)"},
        {"index raw string", "{{ index .Labels `env` }}", "prod"},
        {"index missing", "[{{ index .Labels \"nope\" }}]", "[]"},
        {"label as field", "{{ .Labels.env }}", "prod"},
        {"pipeline", "{{ .ContainerName | normalize }}", "p-api-1"},
        {"pipeline chain", "{{ .Name | upper | lower }}", "api-p"},
        {"upper", "{{ upper .Name }}", "API-P"},
        {"trimPrefix", "{{ trimPrefix \"p-\" .ContainerName }}", "api-1"},
        {"trimPrefix piped", "{{ .ContainerName | trimPrefix \"p-\" }}", "api-1"},
        {"trimSuffix", "{{ .ContainerName | trimSuffix \"-1\" }}", "p-api"},
        {"replace", "{{ replace \"-\" \".\" .Name }}", "api.p"},
        {"trim", "{{ trim \"  x \" }}", "x"},
        {"default used", "{{ default \"fallback\" (index .Labels \"nope\") }}", "fallback"},
        {"default piped", "{{ index .Labels \"env\" | default \"dev\" }}", "prod"},
        {"printf", "{{ printf \"%s.%s\" .Name \"example.com\" }}", "api-p.example.com"},
        {"printf %d %q", "{{ printf \"%d-%q\" 42 .Name }}", "42-\"api-p\""},
        {"splitList join", "{{ join \"|\" (splitList \",\" .Labels.list) }}", "a|b|c"},
        {"if true", "{{ if eq .Labels.env \"prod\" }}prod{{ else }}other{{ end }}", "prod"},
        {"if false", "{{ if eq .Labels.env \"dev\" }}dev{{ else }}other{{ end }}", "other"},
        {"else if",
         "{{ if eq .Labels.env \"dev\" }}d{{ else if eq .Labels.env \"prod\" }}p{{ else }}o"
         "{{ end }}",
         "p"},
        {"if empty string", "{{ if .Labels.nope }}yes{{ else }}no{{ end }}", "no"},
        {"with", "{{ with index .Labels \"app.host\" }}Host(`{{ . }}`){{ end }}",
         "Host(`api.example.com`)"},
        {"with else", "{{ with .Labels.nope }}{{ . }}{{ else }}Host(`{{ .Name }}.local`){{ end }}",
         "Host(`api-p.local`)"},
        {"with keeps $", "{{ with .Labels.env }}{{ $.Name }}-{{ . }}{{ end }}", "api-p-prod"},
        {"variables", "{{ $h := .Name }}{{ $h }}.{{ $h }}", "api-p.api-p"},
        {"trim markers", "a  {{- .Name -}}  b", "aapi-pb"},
        {"comment", "x{{/* ignored */}}y", "xy"},
        {"comment trimmed", "x {{- /* c */ -}} y", "xy"},
        {"hasPrefix", "{{ if hasPrefix \"api\" .Name }}yes{{ end }}", "yes"},
        {"contains", "{{ contains \"pi\" .Name }}", "true"},
        {"and/or/not", "{{ and true (not false) }} {{ or \"\" \"x\" }}", "true x"},
        {"len", "{{ len .Name }}", "5"},
        {"nested parens", "{{ upper (trimPrefix \"p-\" (.ContainerName)) }}", "API-1"},
        {"literal only", "Host(`static.example.com`)", "Host(`static.example.com`)"},
        {"braces in strings", "{{ \"}}\" }}", "}}"},
        {"title", "{{ title \"hello world\" }}", "Hello World"},
        {"coalesce", "{{ coalesce .Labels.nope .Labels.env }}", "prod"},
    };
    for (const auto& r : rows) {
      INFO(std::string(r.id));
      CHECK(render(r.tpl) == r.out);
    }
  }

  TEST_CASE("parse errors name the construct and the column (spec B.7, I.2)") {
    struct Row {
      const char* id;
      const char* tpl;
      const char* contains;
    };
    const Row rows[] = {
        {"unknown function", "Host(`{{ nosuch .Name }}`)",
         "column 10: function \"nosuch\" not defined"},
        {"range", "{{ range .Labels }}x{{ end }}", "column 4: `range` is not supported"},
        {"define", "{{ define \"x\" }}{{ end }}", "`define` is not supported"},
        {"template", "{{ template \"x\" }}", "`template` is not supported"},
        {"unclosed action", "Host(`{{ .Name", "column 7: unclosed action"},
        {"missing end", "{{ if .Name }}x", "missing {{end}}"},
        {"stray end", "x{{ end }}", "column 5: unexpected {{end}}"},
        {"stray else", "{{ else }}", "unexpected {{else}}"},
        {"empty action", "{{ }}", "missing value for command"},
        {"undefined variable", "{{ $x }}", "undefined variable \"$x\""},
        {"args to non-function", "{{ .Name \"x\" }}", "can't give argument to non-function"},
        {"unterminated string", "{{ \"abc }}", "unterminated quoted string"},
        {"bad escape", "{{ \"a\\qb\" }}", "column 6"},
        {"unclosed paren", "{{ (upper .Name }}", "unclosed left paren"},
        {"char constant", "{{ 'a' }}", "character constants are not supported"},
        {"unclosed comment", "{{/* x }}", "unclosed comment"},
        {"else junk", "{{ if .Name }}a{{ else junk }}b{{ end }}", "unexpected token after else"},
    };
    for (const auto& r : rows) {
      INFO(std::string(r.id));
      auto t = DefaultRuleTemplate::parse(r.tpl);
      REQUIRE_FALSE(t.has_value());
      CAPTURE(t.error().message);
      CHECK(t.error().message.find(r.contains) != std::string::npos);
      CHECK(t.error().message.rfind("defaultRule \"", 0) == 0);
    }
  }

  TEST_CASE("render errors drop only the router (spec B.7)") {
    struct Row {
      const char* id;
      const char* tpl;
      const char* contains;
    };
    const Row rows[] = {
        {"unknown field", "Host(`{{ .Nmae }}`)", "can't evaluate field Nmae"},
        {"field of string", "{{ .Name.X }}", "can't evaluate field X in type string"},
        {"wrong arity", "{{ lower }}", "wrong number of args for lower: want 1 got 0"},
        {"wrong type", "{{ lower 3 }}",
         "error calling lower: argument 1: expected string, got int"},
        {"index list out of range", "{{ index (splitList \",\" \"a\") 5 }}", "index out of range"},
        {"incompatible eq", "{{ eq .Name 3 }}", "incompatible types for comparison"},
    };
    for (const auto& r : rows) {
      INFO(std::string(r.id));
      std::string out = render(r.tpl);
      CHECK(out.rfind("RENDER ERROR: ", 0) == 0);
      CHECK(out.find(r.contains) != std::string::npos);
    }
  }

  TEST_CASE("null labels render as an empty map") {
    auto t = DefaultRuleTemplate::parse("[{{ index .Labels \"x\" }}]");
    REQUIRE(t);
    auto r = t->render(TemplateData{"n", "c", nullptr});
    REQUIRE(r);
    CHECK(*r == "[]");
  }
}

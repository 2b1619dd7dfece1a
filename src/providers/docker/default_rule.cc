// Go text/template subset for defaultRule (spec B.7). Two stages: the text is cut into literal
// text and actions (each action tokenised), then a recursive-descent parser builds a small tree
// that render() walks. Semantics follow Go's text/template where the subset overlaps.
#include "providers/docker/default_rule.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>

#include "base/strings.h"
#include "routing/rule_lexer.h"  // unquoteGo: Go string literal escapes

namespace pier::providers::docker {

// ---- normalize ------------------------------------------------------------------------------

namespace {

// Decodes one UTF-8 code point at s[i]; invalid bytes decode as U+FFFD, one byte long.
std::uint32_t decodeUtf8(std::string_view s, std::size_t& i) {
  auto c = static_cast<unsigned char>(s[i]);
  auto cont = [&](std::size_t k) -> int {
    if (i + k >= s.size())
      return -1;
    auto b = static_cast<unsigned char>(s[i + k]);
    return (b & 0xC0) == 0x80 ? (b & 0x3F) : -1;
  };
  if (c < 0x80) {
    ++i;
    return c;
  }
  int len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (len == 0) {
    ++i;
    return 0xFFFD;
  }
  std::uint32_t cp = c & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    int b = cont(static_cast<std::size_t>(k));
    if (b < 0) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | static_cast<std::uint32_t>(b);
  }
  i += static_cast<std::size_t>(len);
  return cp;
}

bool isLetterOrDigit(std::uint32_t cp) {
  if (cp < 0x80) {
    return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
  }
  // Latin-1 supplement: letters and the few number/letter-like signs.
  if (cp < 0xC0) {
    return cp == 0xAA || cp == 0xB5 || cp == 0xBA || cp == 0xB2 || cp == 0xB3 || cp == 0xB9 ||
           cp == 0xBC || cp == 0xBD || cp == 0xBE;
  }
  if (cp == 0xD7 || cp == 0xF7)
    return false;
  // Spaces, general punctuation, symbols, CJK punctuation, full-width ASCII punctuation, specials.
  if ((cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) ||
      (cp >= 0xFF00 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||
      (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65) ||
      (cp >= 0xFFF0 && cp <= 0xFFFF) || (cp >= 0xE000 && cp <= 0xF8FF) || cp == 0x1680 ||
      (cp >= 0x1F000 && cp <= 0x1FAFF)) {
    return false;
  }
  return true;
}

}  // namespace

std::string normalize(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  bool pending_dash = false;
  for (std::size_t i = 0; i < name.size();) {
    std::size_t start = i;
    std::uint32_t cp = decodeUtf8(name, i);
    if (!isLetterOrDigit(cp)) {
      pending_dash = !out.empty();
      continue;
    }
    if (pending_dash) {
      out.push_back('-');
      pending_dash = false;
    }
    out.append(name.substr(start, i - start));
  }
  return out;
}

// ---- values ---------------------------------------------------------------------------------

namespace {

struct Value {
  enum class Kind { Nil, String, Bool, Int, List, Map, Root };
  Kind kind = Kind::Nil;
  std::string s;
  bool b = false;
  long long i = 0;
  std::vector<std::string> list;
  const std::map<std::string, std::string>* map = nullptr;

  static Value str(std::string v) {
    Value x;
    x.kind = Kind::String;
    x.s = std::move(v);
    return x;
  }
  static Value boolean(bool v) {
    Value x;
    x.kind = Kind::Bool;
    x.b = v;
    return x;
  }
  static Value integer(long long v) {
    Value x;
    x.kind = Kind::Int;
    x.i = v;
    return x;
  }
};

const std::map<std::string, std::string>& emptyLabels() {
  static const std::map<std::string, std::string> empty;
  return empty;
}

std::string_view typeName(const Value& v) {
  switch (v.kind) {
    case Value::Kind::Nil:
      return "nil";
    case Value::Kind::String:
      return "string";
    case Value::Kind::Bool:
      return "bool";
    case Value::Kind::Int:
      return "int";
    case Value::Kind::List:
      return "[]string";
    case Value::Kind::Map:
      return "map[string]string";
    case Value::Kind::Root:
      return "the container data";
  }
  return "?";
}

bool truth(const Value& v) {
  switch (v.kind) {
    case Value::Kind::Nil:
      return false;
    case Value::Kind::String:
      return !v.s.empty();
    case Value::Kind::Bool:
      return v.b;
    case Value::Kind::Int:
      return v.i != 0;
    case Value::Kind::List:
      return !v.list.empty();
    case Value::Kind::Map:
      return v.map != nullptr && !v.map->empty();
    case Value::Kind::Root:
      return true;
  }
  return false;
}

std::string printMap(const std::map<std::string, std::string>& m) {
  std::string out = "map[";
  bool first = true;
  for (const auto& [k, val] : m) {
    if (!first)
      out += ' ';
    first = false;
    out += k + ":" + val;
  }
  return out + "]";
}

// fmt.Sprint of one value.
std::string print(const Value& v, const TemplateData& data) {
  switch (v.kind) {
    case Value::Kind::Nil:
      return "<no value>";
    case Value::Kind::String:
      return v.s;
    case Value::Kind::Bool:
      return v.b ? "true" : "false";
    case Value::Kind::Int:
      return std::to_string(v.i);
    case Value::Kind::List: {
      std::string out = "[";
      for (std::size_t k = 0; k < v.list.size(); ++k) {
        if (k)
          out += ' ';
        out += v.list[k];
      }
      return out + "]";
    }
    case Value::Kind::Map:
      return printMap(v.map ? *v.map : emptyLabels());
    case Value::Kind::Root:
      return "{" + data.name + " " + data.container_name + " " +
             printMap(data.labels ? *data.labels : emptyLabels()) + "}";
  }
  return {};
}

std::string goQuote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
  return out + "\"";
}

// ---- functions ------------------------------------------------------------------------------

using Args = std::vector<Value>;
using Fn = std::function<Result<Value>(const Args&, const TemplateData&)>;

struct Function {
  int min_args;
  int max_args;  // -1 = variadic
  Fn fn;
};

Error typeError(std::size_t index, std::string_view want, const Value& got) {
  return Error::config("argument " + std::to_string(index + 1) + ": expected " + std::string(want) +
                       ", got " + std::string(typeName(got)));
}

Result<std::string> strArg(const Args& a, std::size_t k) {
  if (a[k].kind != Value::Kind::String)
    return fail(typeError(k, "string", a[k]));
  return a[k].s;
}

Result<long long> intArg(const Args& a, std::size_t k) {
  if (a[k].kind != Value::Kind::Int)
    return fail(typeError(k, "int", a[k]));
  return a[k].i;
}

// Adapts a function of N strings returning a Value.
template <class F>
Function strings1(F f) {
  return {1, 1, [f](const Args& a, const TemplateData&) -> Result<Value> {
            auto s = strArg(a, 0);
            if (!s)
              return fail(s.error());
            return f(*s);
          }};
}
template <class F>
Function strings2(F f) {
  return {2, 2, [f](const Args& a, const TemplateData&) -> Result<Value> {
            auto x = strArg(a, 0);
            if (!x)
              return fail(x.error());
            auto y = strArg(a, 1);
            if (!y)
              return fail(y.error());
            return f(*x, *y);
          }};
}

bool isSpaceChar(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string trimSet(std::string_view s, std::string_view cutset) {
  std::size_t b = 0, e = s.size();
  while (b < e && cutset.find(s[b]) != std::string_view::npos)
    ++b;
  while (e > b && cutset.find(s[e - 1]) != std::string_view::npos)
    --e;
  return std::string(s.substr(b, e - b));
}

std::string replaceAll(std::string s, std::string_view from, std::string_view to) {
  if (from.empty()) {
    // Go strings.Replace with an empty old string inserts `to` around every character.
    std::string out(to);
    for (char c : s) {
      out += c;
      out += to;
    }
    return out;
  }
  std::string out;
  std::size_t pos = 0;
  while (true) {
    std::size_t hit = s.find(from, pos);
    if (hit == std::string::npos)
      break;
    out.append(s, pos, hit - pos);
    out += to;
    pos = hit + from.size();
  }
  out.append(s, pos);
  return out;
}

// Go fmt.Sprintf for the verbs rules need: %s %v %d %q %%.
Result<std::string> sprintf(const std::string& format, const Args& a, std::size_t first,
                            const TemplateData& data) {
  std::string out;
  std::size_t arg = first;
  for (std::size_t k = 0; k < format.size(); ++k) {
    char c = format[k];
    if (c != '%') {
      out += c;
      continue;
    }
    if (k + 1 >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    char verb = format[++k];
    if (verb == '%') {
      out += '%';
      continue;
    }
    if (arg >= a.size()) {
      out += std::string("%!") + verb + "(MISSING)";
      continue;
    }
    const Value& v = a[arg++];
    switch (verb) {
      case 's':
      case 'v':
        out += print(v, data);
        break;
      case 'd':
        if (v.kind != Value::Kind::Int)
          out += "%!d(" + std::string(typeName(v)) + "=" + print(v, data) + ")";
        else
          out += std::to_string(v.i);
        break;
      case 'q':
        out += goQuote(print(v, data));
        break;
      default:
        return fail(Error::config(std::string("printf verb %") + verb +
                                  " is not supported (use %s, %v, %d or %q)"));
    }
  }
  if (arg < a.size())
    out += "%!(EXTRA)";
  return out;
}

Result<bool> equalValues(const Value& x, const Value& y) {
  if (x.kind != y.kind)
    return fail(Error::config("incompatible types for comparison: " + std::string(typeName(x)) +
                              " and " + std::string(typeName(y))));
  switch (x.kind) {
    case Value::Kind::String:
      return x.s == y.s;
    case Value::Kind::Bool:
      return x.b == y.b;
    case Value::Kind::Int:
      return x.i == y.i;
    case Value::Kind::Nil:
      return true;
    default:
      return fail(Error::config("cannot compare values of type " + std::string(typeName(x))));
  }
}

const std::map<std::string, Function, std::less<>>& functions() {
  static const std::map<std::string, Function, std::less<>> table = [] {
    std::map<std::string, Function, std::less<>> t;
    t["normalize"] = strings1([](const std::string& s) { return Value::str(normalize(s)); });
    t["lower"] = strings1([](const std::string& s) { return Value::str(base::toLower(s)); });
    t["upper"] = strings1([](const std::string& s) { return Value::str(base::toUpper(s)); });
    t["title"] = strings1([](const std::string& s) {
      std::string out = s;
      bool start = true;
      for (char& c : out) {
        if (start)
          c = base::asciiUpper(c);
        start = isSpaceChar(c) || c == '-' || c == '_' || c == '.';
      }
      return Value::str(out);
    });
    t["trim"] =
        strings1([](const std::string& s) { return Value::str(trimSet(s, " \t\n\r\v\f")); });
    t["nospace"] = strings1([](const std::string& s) {
      std::string out;
      for (char c : s)
        if (!isSpaceChar(c))
          out += c;
      return Value::str(out);
    });
    t["trimAll"] = strings2(
        [](const std::string& cut, const std::string& s) { return Value::str(trimSet(s, cut)); });
    t["trimPrefix"] = strings2([](const std::string& p, const std::string& s) {
      return Value::str(s.rfind(p, 0) == 0 ? s.substr(p.size()) : s);
    });
    t["trimSuffix"] = strings2([](const std::string& p, const std::string& s) {
      bool has = s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
      return Value::str(has ? s.substr(0, s.size() - p.size()) : s);
    });
    t["contains"] = strings2([](const std::string& sub, const std::string& s) {
      return Value::boolean(s.find(sub) != std::string::npos);
    });
    t["hasPrefix"] = strings2([](const std::string& p, const std::string& s) {
      return Value::boolean(s.rfind(p, 0) == 0);
    });
    t["hasSuffix"] = strings2([](const std::string& p, const std::string& s) {
      return Value::boolean(s.size() >= p.size() &&
                            s.compare(s.size() - p.size(), p.size(), p) == 0);
    });
    t["replace"] = {3, 3, [](const Args& a, const TemplateData&) -> Result<Value> {
                      for (std::size_t k = 0; k < 3; ++k)
                        if (a[k].kind != Value::Kind::String)
                          return fail(typeError(k, "string", a[k]));
                      return Value::str(replaceAll(a[2].s, a[0].s, a[1].s));
                    }};
    t["splitList"] = strings2([](const std::string& sep, const std::string& s) {
      Value v;
      v.kind = Value::Kind::List;
      if (sep.empty()) {
        for (char c : s)
          v.list.emplace_back(1, c);
        return v;
      }
      std::size_t pos = 0;
      while (true) {
        std::size_t hit = s.find(sep, pos);
        if (hit == std::string::npos) {
          v.list.push_back(s.substr(pos));
          break;
        }
        v.list.push_back(s.substr(pos, hit - pos));
        pos = hit + sep.size();
      }
      return v;
    });
    t["join"] = {2, 2, [](const Args& a, const TemplateData& d) -> Result<Value> {
                   auto sep = strArg(a, 0);
                   if (!sep)
                     return fail(sep.error());
                   if (a[1].kind != Value::Kind::List)
                     return Value::str(a[1].kind == Value::Kind::Nil ? "" : print(a[1], d));
                   std::string out;
                   for (std::size_t k = 0; k < a[1].list.size(); ++k) {
                     if (k)
                       out += *sep;
                     out += a[1].list[k];
                   }
                   return Value::str(out);
                 }};
    t["default"] = {1, 2, [](const Args& a, const TemplateData&) -> Result<Value> {
                      if (a.size() == 2 && truth(a[1]))
                        return a[1];
                      return a[0];
                    }};
    t["empty"] = {1, 1, [](const Args& a, const TemplateData&) -> Result<Value> {
                    return Value::boolean(!truth(a[0]));
                  }};
    t["coalesce"] = {0, -1, [](const Args& a, const TemplateData&) -> Result<Value> {
                       for (const auto& v : a)
                         if (truth(v))
                           return v;
                       return Value{};
                     }};
    t["printf"] = {1, -1, [](const Args& a, const TemplateData& d) -> Result<Value> {
                     auto f = strArg(a, 0);
                     if (!f)
                       return fail(f.error());
                     auto s = sprintf(*f, a, 1, d);
                     if (!s)
                       return fail(s.error());
                     return Value::str(*s);
                   }};
    t["print"] = {
        0, -1, [](const Args& a, const TemplateData& d) -> Result<Value> {
          std::string out;
          for (std::size_t k = 0; k < a.size(); ++k) {
            // fmt.Sprint: a space between operands when neither is a string.
            if (k && a[k].kind != Value::Kind::String && a[k - 1].kind != Value::Kind::String)
              out += ' ';
            out += print(a[k], d);
          }
          return Value::str(out);
        }};
    t["cat"] = {0, -1, [](const Args& a, const TemplateData& d) -> Result<Value> {
                  std::string out;
                  for (const auto& v : a) {
                    if (v.kind == Value::Kind::Nil)
                      continue;
                    if (!out.empty())
                      out += ' ';
                    out += print(v, d);
                  }
                  return Value::str(out);
                }};
    t["quote"] = {0, -1, [](const Args& a, const TemplateData& d) -> Result<Value> {
                    std::string out;
                    for (std::size_t k = 0; k < a.size(); ++k) {
                      if (k)
                        out += ' ';
                      out += goQuote(print(a[k], d));
                    }
                    return Value::str(out);
                  }};
    t["index"] = {
        1, -1, [](const Args& a, const TemplateData&) -> Result<Value> {
          Value cur = a[0];
          for (std::size_t k = 1; k < a.size(); ++k) {
            if (cur.kind == Value::Kind::Root) {
              return fail(
                  Error::config("can't index the container data; use "
                                "index .Labels \"key\""));
            }
            if (cur.kind == Value::Kind::Map) {
              auto key = strArg(a, k);
              if (!key)
                return fail(key.error());
              auto it = cur.map->find(*key);
              cur = Value::str(it == cur.map->end() ? "" : it->second);
            } else if (cur.kind == Value::Kind::List) {
              auto n = intArg(a, k);
              if (!n)
                return fail(n.error());
              if (*n < 0 || static_cast<std::size_t>(*n) >= cur.list.size())
                return fail(Error::config("index out of range: " + std::to_string(*n)));
              cur = Value::str(cur.list[static_cast<std::size_t>(*n)]);
            } else {
              return fail(Error::config("can't index item of type " + std::string(typeName(cur))));
            }
          }
          return cur;
        }};
    t["len"] = {1, 1, [](const Args& a, const TemplateData&) -> Result<Value> {
                  switch (a[0].kind) {
                    case Value::Kind::String:
                      return Value::integer(static_cast<long long>(a[0].s.size()));
                    case Value::Kind::List:
                      return Value::integer(static_cast<long long>(a[0].list.size()));
                    case Value::Kind::Map:
                      return Value::integer(static_cast<long long>(a[0].map->size()));
                    default:
                      return fail(Error::config("len of " + std::string(typeName(a[0]))));
                  }
                }};
    t["eq"] = {2, -1, [](const Args& a, const TemplateData&) -> Result<Value> {
                 for (std::size_t k = 1; k < a.size(); ++k) {
                   auto e = equalValues(a[0], a[k]);
                   if (!e)
                     return fail(e.error());
                   if (*e)
                     return Value::boolean(true);
                 }
                 return Value::boolean(false);
               }};
    t["ne"] = {2, 2, [](const Args& a, const TemplateData&) -> Result<Value> {
                 auto e = equalValues(a[0], a[1]);
                 if (!e)
                   return fail(e.error());
                 return Value::boolean(!*e);
               }};
    t["not"] = {1, 1, [](const Args& a, const TemplateData&) -> Result<Value> {
                  return Value::boolean(!truth(a[0]));
                }};
    t["and"] = {1, -1, [](const Args& a, const TemplateData&) -> Result<Value> {
                  for (const auto& v : a)
                    if (!truth(v))
                      return v;
                  return a.back();
                }};
    t["or"] = {1, -1, [](const Args& a, const TemplateData&) -> Result<Value> {
                 for (const auto& v : a)
                   if (truth(v))
                     return v;
                 return a.back();
               }};
    return t;
  }();
  return table;
}

// ---- syntax tree ----------------------------------------------------------------------------

struct Pipeline;

struct Operand {
  enum class Kind { Dot, Field, Var, Str, Int, Bool, Nil, Func, Sub };
  Kind kind = Kind::Dot;
  std::string name;                 // Var: "$x"; Func: function name
  std::vector<std::string> fields;  // Dot/Var/Sub followed by .a.b
  std::string str;
  long long num = 0;
  bool boolean = false;
  std::shared_ptr<Pipeline> sub;
  std::uint32_t column = 0;
};

struct Command {
  std::vector<Operand> operands;
  std::uint32_t column = 0;
};

struct Pipeline {
  std::string var;  // "$x" when the pipeline declares or assigns a variable
  bool declare = false;
  std::vector<Command> commands;
  std::uint32_t column = 0;
};

struct TNode {
  enum class Kind { Text, Action, If, With };
  Kind kind = Kind::Text;
  std::string text;
  Pipeline pipe;
  std::vector<TNode> body;
  std::vector<TNode> else_body;
};

// ---- tokens ---------------------------------------------------------------------------------

enum class Tok { Field, Dot, Var, Ident, Str, Int, Pipe, LParen, RParen, Declare, Assign, End };

struct Token {
  Tok kind = Tok::End;
  std::string text;                 // Ident / Var name / decoded Str
  std::vector<std::string> fields;  // Field: .a.b -> {a,b}; Var: $x.a -> {a}
  long long num = 0;
  std::uint32_t column = 0;
};

struct Action {
  std::vector<Token> tokens;
  std::uint32_t column = 0;  // of the `{{`
};

struct Piece {  // literal text or one action
  bool is_action = false;
  std::string text;
  Action action;
};

}  // namespace

struct DefaultRuleTemplate::Program {
  std::string text;
  std::vector<TNode> root;
};

namespace {

Error templateError(std::string_view text, std::uint32_t column, std::string_view what) {
  return Error::config("defaultRule \"" + std::string(text) + "\" column " +
                       std::to_string(column) + ": " + std::string(what));
}

bool isIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool isIdentChar(char c) {
  return isIdentStart(c) || (c >= '0' && c <= '9');
}
bool isBlank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

class Splitter {
 public:
  explicit Splitter(std::string_view text) : t_(text) {}

  Result<std::vector<Piece>> run() {
    std::vector<Piece> out;
    bool trim_next = false;
    while (pos_ <= t_.size()) {
      std::size_t open = t_.find("{{", pos_);
      std::string_view lit =
          t_.substr(pos_, open == std::string_view::npos ? t_.npos : open - pos_);
      std::string text(lit);
      if (trim_next) {
        std::size_t b = 0;
        while (b < text.size() && isBlank(text[b]))
          ++b;
        text.erase(0, b);
      }
      if (open == std::string_view::npos) {
        if (!text.empty())
          out.push_back(Piece{false, std::move(text), {}});
        break;
      }
      auto column = static_cast<std::uint32_t>(open + 1);
      pos_ = open + 2;
      bool trim_left = pos_ + 1 < t_.size() && t_[pos_] == '-' && isBlank(t_[pos_ + 1]);
      if (trim_left) {
        while (!text.empty() && isBlank(text.back()))
          text.pop_back();
        pos_ += 2;
      }
      if (!text.empty())
        out.push_back(Piece{false, std::move(text), {}});
      Piece action{true, {}, Action{{}, column}};
      auto r = lexAction(action.action, trim_next);
      if (!r)
        return fail(r.error());
      if (*r)  // not a comment
        out.push_back(std::move(action));
    }
    return out;
  }

 private:
  // Skips blanks; true when at `}}` or ` -}}` (consumes it and sets trim_right).
  bool atClose(bool& trim_right) {
    std::size_t p = pos_;
    bool blank = false;
    while (p < t_.size() && isBlank(t_[p])) {
      ++p;
      blank = true;
    }
    if (blank && t_.compare(p, 3, "-}}") == 0) {
      pos_ = p + 3;
      trim_right = true;
      return true;
    }
    if (t_.compare(p, 2, "}}") == 0) {
      pos_ = p + 2;
      trim_right = false;
      return true;
    }
    pos_ = p;
    return false;
  }

  // Returns false for a comment (nothing to emit).
  Result<bool> lexAction(Action& a, bool& trim_right) {
    std::size_t p = pos_;
    while (p < t_.size() && isBlank(t_[p]))
      ++p;
    if (t_.compare(p, 2, "/*") == 0) {
      std::size_t end = t_.find("*/", p + 2);
      if (end == std::string_view::npos)
        return fail(templateError(t_, col(p), "unclosed comment"));
      pos_ = end + 2;
      if (!atClose(trim_right))
        return fail(templateError(t_, col(pos_), "comment ends before closing delimiter"));
      return false;
    }
    while (true) {
      if (atClose(trim_right))
        return true;
      if (pos_ >= t_.size())
        return fail(templateError(t_, a.column, "unclosed action: missing }}"));
      auto tok = lexToken();
      if (!tok)
        return fail(tok.error());
      a.tokens.push_back(std::move(*tok));
    }
  }

  std::uint32_t col(std::size_t p) const { return static_cast<std::uint32_t>(p + 1); }

  std::vector<std::string> lexFields() {
    std::vector<std::string> fields;
    while (pos_ + 1 < t_.size() && t_[pos_] == '.' && isIdentStart(t_[pos_ + 1])) {
      std::size_t b = ++pos_;
      while (pos_ < t_.size() && isIdentChar(t_[pos_]))
        ++pos_;
      fields.emplace_back(t_.substr(b, pos_ - b));
    }
    return fields;
  }

  Result<Token> lexToken() {
    Token tok;
    tok.column = col(pos_);
    char c = t_[pos_];
    if (c == '.') {
      if (pos_ + 1 < t_.size() && isIdentStart(t_[pos_ + 1])) {
        tok.kind = Tok::Field;
        tok.fields = lexFields();
      } else {
        tok.kind = Tok::Dot;
        ++pos_;
      }
      return tok;
    }
    if (c == '$') {
      std::size_t b = pos_++;
      while (pos_ < t_.size() && isIdentChar(t_[pos_]))
        ++pos_;
      tok.kind = Tok::Var;
      tok.text = std::string(t_.substr(b, pos_ - b));
      tok.fields = lexFields();
      return tok;
    }
    if (isIdentStart(c)) {
      std::size_t b = pos_;
      while (pos_ < t_.size() && isIdentChar(t_[pos_]))
        ++pos_;
      tok.kind = Tok::Ident;
      tok.text = std::string(t_.substr(b, pos_ - b));
      return tok;
    }
    if ((c >= '0' && c <= '9') ||
        (c == '-' && pos_ + 1 < t_.size() && t_[pos_ + 1] >= '0' && t_[pos_ + 1] <= '9')) {
      std::size_t b = pos_++;
      while (pos_ < t_.size() && t_[pos_] >= '0' && t_[pos_] <= '9')
        ++pos_;
      if (pos_ < t_.size() && (isIdentChar(t_[pos_]) || t_[pos_] == '.'))
        return fail(templateError(t_, tok.column, "only decimal integer numbers are supported"));
      long long v = 0;
      if (!base::parseInt64(t_.substr(b, pos_ - b), v))
        return fail(templateError(t_, tok.column, "number out of range"));
      tok.kind = Tok::Int;
      tok.num = v;
      return tok;
    }
    if (c == '`') {
      std::size_t end = t_.find('`', pos_ + 1);
      if (end == std::string_view::npos)
        return fail(templateError(t_, tok.column, "unterminated raw string"));
      tok.kind = Tok::Str;
      tok.text = std::string(t_.substr(pos_ + 1, end - pos_ - 1));
      pos_ = end + 1;
      return tok;
    }
    if (c == '"') {
      std::size_t i = pos_ + 1;
      while (i < t_.size() && t_[i] != '"' && t_[i] != '\n') {
        i += (t_[i] == '\\' && i + 1 < t_.size()) ? 2 : 1;
      }
      if (i >= t_.size() || t_[i] != '"')
        return fail(templateError(t_, tok.column, "unterminated quoted string"));
      std::size_t bad = 0;
      auto v = routing::unquoteGo(t_.substr(pos_ + 1, i - pos_ - 1), bad);
      if (!v)
        return fail(templateError(t_, col(pos_ + 1 + bad), v.error().message));
      tok.kind = Tok::Str;
      tok.text = std::move(*v);
      pos_ = i + 1;
      return tok;
    }
    ++pos_;
    switch (c) {
      case '|':
        tok.kind = Tok::Pipe;
        return tok;
      case '(':
        tok.kind = Tok::LParen;
        return tok;
      case ')':
        tok.kind = Tok::RParen;
        return tok;
      case '=':
        tok.kind = Tok::Assign;
        return tok;
      case ':':
        if (pos_ < t_.size() && t_[pos_] == '=') {
          ++pos_;
          tok.kind = Tok::Declare;
          return tok;
        }
        break;
      case '\'':
        return fail(templateError(t_, tok.column,
                                  "character constants are not supported; use \"…\" or `…`"));
      default:
        break;
    }
    return fail(
        templateError(t_, tok.column, std::string("unexpected character '") + c + "' in action"));
  }

  std::string_view t_;
  std::size_t pos_ = 0;
};

// ---- parser ---------------------------------------------------------------------------------

class Parser {
 public:
  Parser(std::string_view text, std::vector<Piece> pieces) : t_(text), pieces_(std::move(pieces)) {
    scopes_.push_back({"$"});
  }

  Result<std::vector<TNode>> run() {
    std::vector<TNode> root;
    std::string stop;
    auto r = parseList(root, stop);
    if (!r)
      return fail(r.error());
    if (!stop.empty())
      return fail(templateError(t_, stop_column_, "unexpected {{" + stop + "}}"));
    return root;
  }

 private:
  // Parses nodes until {{end}} / {{else…}} (left in `stop`, the action stays current) or EOF.
  Result<bool> parseList(std::vector<TNode>& out, std::string& stop) {
    stop.clear();
    while (idx_ < pieces_.size()) {
      Piece& p = pieces_[idx_];
      if (!p.is_action) {
        TNode n;
        n.text = std::move(p.text);
        out.push_back(std::move(n));
        ++idx_;
        continue;
      }
      const auto& toks = p.action.tokens;
      if (toks.empty())
        return fail(templateError(t_, p.action.column, "missing value for command"));
      if (toks[0].kind == Tok::Ident) {
        const std::string& kw = toks[0].text;
        if (kw == "end" || kw == "else") {
          stop = kw;
          stop_column_ = toks[0].column;
          return true;
        }
        if (kw == "if" || kw == "with") {
          TNode n;
          auto r = parseControl(n, kw == "if" ? TNode::Kind::If : TNode::Kind::With, 1);
          if (!r)
            return fail(r.error());
          out.push_back(std::move(n));
          continue;
        }
        if (kw == "range" || kw == "define" || kw == "template" || kw == "block" || kw == "break" ||
            kw == "continue") {
          return fail(templateError(
              t_, toks[0].column,
              "`" + kw +
                  "` is not supported in defaultRule templates (supported: if, else, with, end)"));
        }
      }
      TNode n;
      n.kind = TNode::Kind::Action;
      std::size_t at = 0;
      auto pipe = parsePipeline(toks, at, true);
      if (!pipe)
        return fail(pipe.error());
      if (at != toks.size())
        return fail(templateError(t_, toks[at].column, "unexpected token in action"));
      n.pipe = std::move(*pipe);
      out.push_back(std::move(n));
      ++idx_;
    }
    return true;
  }

  // The current action is `{{if pipeline}}` (or `{{else if pipeline}}` with start = 2).
  Result<bool> parseControl(TNode& n, TNode::Kind kind, std::size_t start) {
    n.kind = kind;
    const auto& toks = pieces_[idx_].action.tokens;
    if (start >= toks.size())
      return fail(templateError(t_, toks.back().column, "missing condition"));
    std::size_t at = start;
    scopes_.emplace_back();
    auto pipe = parsePipeline(toks, at, true);
    if (!pipe)
      return fail(pipe.error());
    if (at != toks.size())
      return fail(templateError(t_, toks[at].column, "unexpected token"));
    n.pipe = std::move(*pipe);
    ++idx_;
    std::string stop;
    auto r = parseList(n.body, stop);
    if (!r)
      return fail(r.error());
    scopes_.pop_back();
    if (stop.empty())
      return fail(templateError(t_, static_cast<std::uint32_t>(t_.size()),
                                "unexpected end of template: missing {{end}}"));
    const auto& stop_toks = pieces_[idx_].action.tokens;
    if (stop == "end") {
      if (stop_toks.size() != 1)
        return fail(templateError(t_, stop_toks[1].column, "unexpected token after end"));
      ++idx_;
      return true;
    }
    // else
    if (stop_toks.size() > 1) {
      if (stop_toks[1].kind == Tok::Ident &&
          (stop_toks[1].text == "if" || stop_toks[1].text == "with")) {
        // {{else if …}} is {{else}}{{if …}}…{{end}} sharing the outer {{end}}.
        TNode nested;
        auto r2 = parseControl(nested,
                               stop_toks[1].text == "if" ? TNode::Kind::If : TNode::Kind::With, 2);
        if (!r2)
          return fail(r2.error());
        n.else_body.push_back(std::move(nested));
        return true;
      }
      return fail(templateError(t_, stop_toks[1].column, "unexpected token after else"));
    }
    ++idx_;
    scopes_.emplace_back();
    auto r3 = parseList(n.else_body, stop);
    if (!r3)
      return fail(r3.error());
    scopes_.pop_back();
    if (stop != "end")
      return fail(templateError(t_,
                                stop.empty() ? static_cast<std::uint32_t>(t_.size()) : stop_column_,
                                stop.empty() ? "unexpected end of template: missing {{end}}"
                                             : "expected {{end}} after {{else}}"));
    const auto& end_toks = pieces_[idx_].action.tokens;
    if (end_toks.size() != 1)
      return fail(templateError(t_, end_toks[1].column, "unexpected token after end"));
    ++idx_;
    return true;
  }

  bool defined(const std::string& var) const {
    for (const auto& s : scopes_)
      if (std::find(s.begin(), s.end(), var) != s.end())
        return true;
    return false;
  }

  Result<Pipeline> parsePipeline(const std::vector<Token>& toks, std::size_t& at, bool allow_decl) {
    Pipeline p;
    p.column = at < toks.size() ? toks[at].column : 0;
    std::string pending_var;
    bool pending_declare = false;
    if (allow_decl && at + 1 < toks.size() && toks[at].kind == Tok::Var &&
        toks[at].fields.empty() &&
        (toks[at + 1].kind == Tok::Declare || toks[at + 1].kind == Tok::Assign)) {
      pending_var = toks[at].text;
      pending_declare = toks[at + 1].kind == Tok::Declare;
      if (!pending_declare && !defined(pending_var))
        return fail(
            templateError(t_, toks[at].column, "undefined variable \"" + pending_var + "\""));
      at += 2;
    }
    while (true) {
      Command cmd;
      cmd.column = at < toks.size() ? toks[at].column : 0;
      while (at < toks.size() && toks[at].kind != Tok::Pipe && toks[at].kind != Tok::RParen) {
        auto op = parseOperand(toks, at);
        if (!op)
          return fail(op.error());
        cmd.operands.push_back(std::move(*op));
      }
      if (cmd.operands.empty()) {
        std::uint32_t column =
            at < toks.size() ? toks[at].column : (toks.empty() ? 1 : toks.back().column);
        return fail(templateError(t_, column, "missing value for command"));
      }
      for (std::size_t k = 1; k < cmd.operands.size(); ++k) {
        if (cmd.operands[0].kind != Operand::Kind::Func)
          return fail(
              templateError(t_, cmd.operands[k].column, "can't give argument to non-function"));
      }
      if (!p.commands.empty() && cmd.operands[0].kind != Operand::Kind::Func)
        return fail(templateError(t_, cmd.column, "non-function in a pipeline after |"));
      p.commands.push_back(std::move(cmd));
      if (at < toks.size() && toks[at].kind == Tok::Pipe) {
        ++at;
        continue;
      }
      break;
    }
    if (!pending_var.empty()) {
      p.var = pending_var;
      p.declare = pending_declare;
      if (pending_declare)
        scopes_.back().push_back(pending_var);
    }
    return p;
  }

  Result<Operand> parseOperand(const std::vector<Token>& toks, std::size_t& at) {
    const Token& tok = toks[at];
    Operand op;
    op.column = tok.column;
    switch (tok.kind) {
      case Tok::Dot:
        op.kind = Operand::Kind::Dot;
        break;
      case Tok::Field:
        op.kind = Operand::Kind::Field;
        op.fields = tok.fields;
        break;
      case Tok::Var:
        if (!defined(tok.text))
          return fail(templateError(t_, tok.column, "undefined variable \"" + tok.text + "\""));
        op.kind = Operand::Kind::Var;
        op.name = tok.text;
        op.fields = tok.fields;
        break;
      case Tok::Str:
        op.kind = Operand::Kind::Str;
        op.str = tok.text;
        break;
      case Tok::Int:
        op.kind = Operand::Kind::Int;
        op.num = tok.num;
        break;
      case Tok::Ident:
        if (tok.text == "true" || tok.text == "false") {
          op.kind = Operand::Kind::Bool;
          op.boolean = tok.text == "true";
        } else if (tok.text == "nil") {
          op.kind = Operand::Kind::Nil;
        } else if (functions().count(tok.text) != 0) {
          op.kind = Operand::Kind::Func;
          op.name = tok.text;
        } else if (tok.text == "if" || tok.text == "with" || tok.text == "else" ||
                   tok.text == "end" || tok.text == "range") {
          return fail(templateError(t_, tok.column, "unexpected `" + tok.text + "` in operand"));
        } else {
          std::string list;
          for (const auto& name : defaultRuleFunctions())
            list += (list.empty() ? "" : ", ") + name;
          return fail(
              templateError(t_, tok.column,
                            "function \"" + tok.text + "\" not defined (supported: " + list + ")"));
        }
        break;
      case Tok::LParen: {
        ++at;
        auto sub = parsePipeline(toks, at, true);
        if (!sub)
          return fail(sub.error());
        if (at >= toks.size() || toks[at].kind != Tok::RParen)
          return fail(templateError(t_, tok.column, "unclosed left paren"));
        op.kind = Operand::Kind::Sub;
        op.sub = std::make_shared<Pipeline>(std::move(*sub));
        break;
      }
      case Tok::RParen:
        return fail(templateError(t_, tok.column, "unexpected right paren"));
      case Tok::Pipe:
      case Tok::Declare:
      case Tok::Assign:
      case Tok::End:
        return fail(templateError(t_, tok.column, "unexpected token"));
    }
    ++at;
    return op;
  }

  std::string_view t_;
  std::vector<Piece> pieces_;
  std::size_t idx_ = 0;
  std::uint32_t stop_column_ = 0;
  std::vector<std::vector<std::string>> scopes_;
};

// ---- execution ------------------------------------------------------------------------------

class Exec {
 public:
  Exec(std::string_view text, const TemplateData& data) : t_(text), data_(data) {
    root_.kind = Value::Kind::Root;
    vars_.push_back({{"$", root_}});
  }

  Result<bool> run(const std::vector<TNode>& nodes, const Value& dot, std::string& out) {
    for (const auto& n : nodes) {
      switch (n.kind) {
        case TNode::Kind::Text:
          out += n.text;
          break;
        case TNode::Kind::Action: {
          auto v = pipeline(n.pipe, dot);
          if (!v)
            return fail(v.error());
          if (n.pipe.var.empty())
            out += print(*v, data_);
          break;
        }
        case TNode::Kind::If:
        case TNode::Kind::With: {
          vars_.emplace_back();
          auto v = pipeline(n.pipe, dot);
          if (!v)
            return fail(v.error());
          Result<bool> r = true;
          if (truth(*v))
            r = run(n.body, n.kind == TNode::Kind::With ? *v : dot, out);
          else
            r = run(n.else_body, dot, out);
          vars_.pop_back();
          if (!r)
            return fail(r.error());
          break;
        }
      }
    }
    return true;
  }

 private:
  Value* lookupVar(const std::string& name) {
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
      auto f = it->find(name);
      if (f != it->end())
        return &f->second;
    }
    return nullptr;
  }

  Result<Value> field(Value v, const std::vector<std::string>& fields, std::uint32_t column) {
    for (const auto& f : fields) {
      if (v.kind == Value::Kind::Root) {
        if (f == "Name") {
          v = Value::str(data_.name);
        } else if (f == "ContainerName") {
          v = Value::str(data_.container_name);
        } else if (f == "Labels") {
          v = Value{};
          v.kind = Value::Kind::Map;
          v.map = data_.labels ? data_.labels : &emptyLabels();
        } else {
          return fail(templateError(
              t_, column,
              "can't evaluate field " + f + " (the data has .Name, .ContainerName and .Labels)"));
        }
      } else if (v.kind == Value::Kind::Map) {
        auto it = v.map->find(f);
        v = Value::str(it == v.map->end() ? "" : it->second);
      } else {
        return fail(templateError(
            t_, column, "can't evaluate field " + f + " in type " + std::string(typeName(v))));
      }
    }
    return v;
  }

  Result<Value> operand(const Operand& op, const Value& dot) {
    switch (op.kind) {
      case Operand::Kind::Dot:
        return dot;
      case Operand::Kind::Field:
        return field(dot, op.fields, op.column);
      case Operand::Kind::Var: {
        Value* v = lookupVar(op.name);
        if (!v)
          return fail(templateError(t_, op.column, "undefined variable \"" + op.name + "\""));
        return field(*v, op.fields, op.column);
      }
      case Operand::Kind::Str:
        return Value::str(op.str);
      case Operand::Kind::Int:
        return Value::integer(op.num);
      case Operand::Kind::Bool:
        return Value::boolean(op.boolean);
      case Operand::Kind::Nil:
        return Value{};
      case Operand::Kind::Func:
        return call(op, {}, dot, std::nullopt);
      case Operand::Kind::Sub:
        return pipeline(*op.sub, dot);
    }
    return Value{};
  }

  Result<Value> call(const Operand& fn, const std::vector<Operand>& args, const Value& dot,
                     std::optional<Value> piped) {
    const Function& f = functions().find(fn.name)->second;
    Args values;
    for (const auto& a : args) {
      auto v = operand(a, dot);
      if (!v)
        return fail(v.error());
      values.push_back(std::move(*v));
    }
    if (piped)
      values.push_back(std::move(*piped));
    auto n = static_cast<int>(values.size());
    if (n < f.min_args || (f.max_args >= 0 && n > f.max_args)) {
      std::string want = f.max_args < 0 ? "at least " + std::to_string(f.min_args)
                         : f.min_args == f.max_args
                             ? std::to_string(f.min_args)
                             : std::to_string(f.min_args) + " or " + std::to_string(f.max_args);
      return fail(templateError(
          t_, fn.column,
          "wrong number of args for " + fn.name + ": want " + want + " got " + std::to_string(n)));
    }
    auto r = f.fn(values, data_);
    if (!r)
      return fail(
          templateError(t_, fn.column, "error calling " + fn.name + ": " + r.error().message));
    return r;
  }

  Result<Value> pipeline(const Pipeline& p, const Value& dot) {
    std::optional<Value> piped;
    for (const auto& cmd : p.commands) {
      const Operand& head = cmd.operands[0];
      Result<Value> v = Value{};
      if (head.kind == Operand::Kind::Func) {
        std::vector<Operand> rest(cmd.operands.begin() + 1, cmd.operands.end());
        v = call(head, rest, dot, std::move(piped));
      } else {
        v = operand(head, dot);
      }
      if (!v)
        return fail(v.error());
      piped = std::move(*v);
    }
    Value result = piped ? std::move(*piped) : Value{};
    if (!p.var.empty()) {
      if (p.declare) {
        vars_.back()[p.var] = result;
      } else if (Value* existing = lookupVar(p.var)) {
        *existing = result;
      }
    }
    return result;
  }

  std::string_view t_;
  const TemplateData& data_;
  Value root_;
  std::vector<std::map<std::string, Value>> vars_;
};

}  // namespace

const std::vector<std::string>& defaultRuleFunctions() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& [name, fn] : functions())
      n.push_back(name);
    return n;
  }();
  return names;
}

Result<DefaultRuleTemplate> DefaultRuleTemplate::parse(std::string_view text) {
  try {
    auto pieces = Splitter(text).run();
    if (!pieces)
      return fail(pieces.error());
    auto root = Parser(text, std::move(*pieces)).run();
    if (!root)
      return fail(root.error());
    auto program = std::make_shared<Program>();
    program->text = std::string(text);
    program->root = std::move(*root);
    DefaultRuleTemplate t;
    t.program_ = std::move(program);
    return t;
  } catch (const std::exception& e) {
    return fail(Error::internal(std::string("defaultRule: ") + e.what()));
  }
}

Result<std::string> DefaultRuleTemplate::render(const TemplateData& data) const {
  if (!program_)
    return fail(Error::internal("defaultRule: template not parsed"));
  try {
    Exec exec(program_->text, data);
    std::string out;
    Value dot;
    dot.kind = Value::Kind::Root;
    auto r = exec.run(program_->root, dot, out);
    if (!r)
      return fail(r.error());
    return out;
  } catch (const std::exception& e) {
    return fail(Error::internal(std::string("defaultRule: ") + e.what()));
  }
}

const std::string& DefaultRuleTemplate::text() const {
  static const std::string empty;
  return program_ ? program_->text : empty;
}

}  // namespace pier::providers::docker

#include "routing/rule_lexer.h"

#include <string>

#include "base/strings.h"

namespace pier::routing {

namespace {

bool isIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool isIdentChar(char c) {
  return isIdentStart(c) || (c >= '0' && c <= '9');
}
bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

void appendUtf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string describeChar(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7F) {
    return std::string("'") + c + "'";
  }
  static const char kHex[] = "0123456789abcdef";
  return std::string("byte 0x") + kHex[u >> 4] + kHex[u & 0xF];
}

}  // namespace

Error ruleError(std::string_view rule, std::uint32_t column, std::string_view what) {
  std::string msg = "rule \"";
  msg.append(rule);
  msg += "\" column ";
  msg += std::to_string(column);
  msg += ": ";
  msg.append(what);
  return Error::config(std::move(msg));
}

std::uint32_t RuleLexer::endColumn() const {
  return rule_.empty() ? 1 : static_cast<std::uint32_t>(rule_.size());
}

Result<std::string> unquoteGo(std::string_view body, std::size_t& bad_offset) {
  std::string out;
  out.reserve(body.size());
  for (std::size_t i = 0; i < body.size();) {
    char c = body[i];
    if (c != '\\') {
      out.push_back(c);
      ++i;
      continue;
    }
    bad_offset = i;
    if (i + 1 >= body.size()) {
      return fail(Error::config("escape sequence not terminated"));
    }
    char e = body[i + 1];
    i += 2;
    switch (e) {
      case 'a':
        out.push_back('\a');
        continue;
      case 'b':
        out.push_back('\b');
        continue;
      case 'f':
        out.push_back('\f');
        continue;
      case 'n':
        out.push_back('\n');
        continue;
      case 'r':
        out.push_back('\r');
        continue;
      case 't':
        out.push_back('\t');
        continue;
      case 'v':
        out.push_back('\v');
        continue;
      case '\\':
        out.push_back('\\');
        continue;
      case '"':
        out.push_back('"');
        continue;
      default:
        break;
    }
    if (e >= '0' && e <= '7') {
      // Go: exactly three octal digits, value <= 255.
      std::uint32_t v = static_cast<std::uint32_t>(e - '0');
      for (int k = 0; k < 2; ++k) {
        if (i >= body.size() || body[i] < '0' || body[i] > '7') {
          return fail(Error::config("octal escape needs three digits"));
        }
        v = v * 8 + static_cast<std::uint32_t>(body[i] - '0');
        ++i;
      }
      if (v > 255) {
        return fail(Error::config("octal escape value > 255"));
      }
      out.push_back(static_cast<char>(v));
      continue;
    }
    int digits = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0;
    if (digits == 0) {
      return fail(Error::config("unknown escape sequence"));
    }
    std::uint32_t v = 0;
    for (int k = 0; k < digits; ++k) {
      int h = i < body.size() ? base::hexValue(body[i]) : -1;
      if (h < 0) {
        return fail(
            Error::config("escape sequence needs " + std::to_string(digits) + " hex digits"));
      }
      v = v * 16 + static_cast<std::uint32_t>(h);
      ++i;
    }
    if (e == 'x') {
      out.push_back(static_cast<char>(v));
    } else {
      if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000)) {
        return fail(Error::config("escape sequence is an invalid Unicode code point"));
      }
      appendUtf8(out, v);
    }
  }
  return out;
}

Result<Token> RuleLexer::lexRaw(std::uint32_t column) {
  std::size_t close = rule_.find('`', pos_ + 1);
  if (close == std::string_view::npos) {
    return fail(ruleError(rule_, column, "raw string literal not terminated (missing '`')"));
  }
  Token t{TokenKind::String, column, {}};
  for (std::size_t i = pos_ + 1; i < close; ++i) {
    if (rule_[i] != '\r') {  // Go drops carriage returns from raw literals
      t.text.push_back(rule_[i]);
    }
  }
  pos_ = close + 1;
  return t;
}

Result<Token> RuleLexer::lexQuoted(std::uint32_t column) {
  std::size_t i = pos_ + 1;
  while (i < rule_.size() && rule_[i] != '"' && rule_[i] != '\n') {
    i += rule_[i] == '\\' && i + 1 < rule_.size() && rule_[i + 1] != '\n' ? 2 : 1;
  }
  if (i >= rule_.size() || rule_[i] != '"') {
    return fail(ruleError(rule_, column, "string literal not terminated (missing '\"')"));
  }
  std::string_view body = rule_.substr(pos_ + 1, i - pos_ - 1);
  std::size_t bad = 0;
  Result<std::string> value = unquoteGo(body, bad);
  if (!value) {
    return fail(
        ruleError(rule_, static_cast<std::uint32_t>(pos_ + 2 + bad), value.error().message));
  }
  pos_ = i + 1;
  return Token{TokenKind::String, column, std::move(*value)};
}

Result<Token> RuleLexer::next() {
  while (pos_ < rule_.size() && isSpace(rule_[pos_])) {
    ++pos_;
  }
  if (pos_ >= rule_.size()) {
    return Token{TokenKind::End, endColumn(), {}};
  }
  auto column = static_cast<std::uint32_t>(pos_ + 1);
  char c = rule_[pos_];
  auto single = [&](TokenKind kind, std::size_t len) {
    pos_ += len;
    return Token{kind, column, {}};
  };
  switch (c) {
    case '(':
      return single(TokenKind::LParen, 1);
    case ')':
      return single(TokenKind::RParen, 1);
    case ',':
      return single(TokenKind::Comma, 1);
    case '!':
      return single(TokenKind::Not, 1);
    case '`':
      return lexRaw(column);
    case '"':
      return lexQuoted(column);
    case '\'':
      return fail(
          ruleError(rule_, column, "single quotes do not delimit strings; use `...` or \"...\""));
    case '&':
    case '|':
      if (pos_ + 1 < rule_.size() && rule_[pos_ + 1] == c) {
        return single(c == '&' ? TokenKind::And : TokenKind::Or, 2);
      }
      return fail(ruleError(rule_, column, c == '&' ? "expected '&&'" : "expected '||'"));
    default:
      break;
  }
  if (isIdentStart(c)) {
    std::size_t start = pos_;
    while (pos_ < rule_.size() && isIdentChar(rule_[pos_])) {
      ++pos_;
    }
    return Token{TokenKind::Ident, column, std::string(rule_.substr(start, pos_ - start))};
  }
  return fail(ruleError(rule_, column, "unexpected " + describeChar(c)));
}

}  // namespace pier::routing

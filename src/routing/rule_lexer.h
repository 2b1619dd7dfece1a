// Tokenizer for the rule language (spec C.1): identifiers, Go string literals, && || ! ( ) ,
// Thread: control thread. Pure; no allocation beyond the decoded string values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace pier::routing {

enum class TokenKind : std::uint8_t { Ident, String, LParen, RParen, Comma, And, Or, Not, End };

struct Token {
  TokenKind kind = TokenKind::End;
  std::uint32_t column = 0;  // 1-based byte column of the first character
  std::string text;          // Ident: the name; String: the decoded value
};

// Formats the error every rule diagnostic uses: rule "<rule>" column N: <what>.
Error ruleError(std::string_view rule, std::uint32_t column, std::string_view what);

class RuleLexer {
 public:
  explicit RuleLexer(std::string_view rule) : rule_(rule) {}
  // Next token, or an error naming the column. After End, keeps returning End.
  Result<Token> next();
  // Column used for errors at end of input: the last character (the column past it when empty).
  std::uint32_t endColumn() const;

 private:
  Result<Token> lexRaw(std::uint32_t column);
  Result<Token> lexQuoted(std::uint32_t column);

  std::string_view rule_;
  std::size_t pos_ = 0;
};

// Decodes the body of a double-quoted Go string literal (without the quotes). On error returns
// the byte offset within `body` of the bad escape in `bad_offset` and a description.
Result<std::string> unquoteGo(std::string_view body, std::size_t& bad_offset);

}  // namespace pier::routing

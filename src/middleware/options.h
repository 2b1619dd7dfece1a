// Decoding a middleware's options with the configuration decoder (config/decode.h), so option
// names match case-insensitively, unknown keys get "did you mean" and every error names the
// middleware, the option and what is expected.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "config/decode.h"
#include "config/node.h"

namespace pier::middleware {

// What a factory gets: the qualified name, its provider and the options sub-tree.
struct BuildContext {
  std::string name;      // e.g. "auth@docker"
  std::string provider;  // e.g. "docker"
  std::string kind;      // as listed in config::httpMiddlewareKinds(), e.g. "basicAuth"
  const config::Node& options;
};

// `middleware "auth@docker": basicAuth.users: <what>`
inline Error optionError(const BuildContext& b, std::string_view option, std::string_view what) {
  std::string text = "middleware \"" + b.name + "\": " + b.kind;
  if (!option.empty()) {
    text += ".";
    text += option;
  }
  text += ": ";
  text += what;
  return Error::config(std::move(text));
}

template <class T>
Result<T> decodeOptions(const BuildContext& b) {
  T out{};
  // Labels may enable an option-less kind with `compress=true`: a bare value is no options.
  if (!b.options.isMap()) {
    if (b.options.isList()) {
      return fail(optionError(b, "", "expected options, got a list"));
    }
    return out;
  }
  config::Decoder d(config::DecodeOptions{});
  d.push(b.kind);
  if (!config::decodeValue(b.options, out, d)) {
    return fail(Error::config("middleware \"" + b.name + "\": " + d.error().message));
  }
  return out;
}

}  // namespace pier::middleware

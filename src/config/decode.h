// The schema-driven decoder: Node tree -> typed structs. One mechanism for the static
// configuration, the dynamic model and Docker labels.
//
// A struct takes part by having, in the .cc that decodes it, a function template
//   template <class V> void describe(V& v, MyStruct& s) { v("fieldName", s.field_name); ... }
// found by argument-dependent lookup. The same list drives matching (case-insensitive field
// names), "did you mean" suggestions and the flag-arity probe, so the three cannot drift apart.
// The member's C++ type picks the value grammar (bool, integer, duration, list...). An optional
// struct is an "enable a section" field (spec A.2). Validation after a struct is filled goes in
//   bool validate(MyStruct& s, const Node& n, Decoder& d);
// Thread: control thread only. No exceptions escape.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/strings.h"
#include "config/flat_keys.h"
#include "config/node.h"

namespace pier::config {

enum FieldFlags : unsigned {
  kNone = 0,
  kNeedsChild = 1,   // optional section that `true` alone cannot enable (providers.file, metrics)
  kLabelOnly = 2,    // exists only in the label grammar (loadbalancer.server.port)
  kUnsupported = 4,  // accepted, with a warning "not supported by Pier"
};

struct DecodeOptions {
  bool labels = false;             // accept kLabelOnly fields
  bool lenient_top_level = false;  // unknown top-level keys warn instead of failing
};

/// Decoding state: the key path being decoded, the first error and the warnings.
class Decoder {
 public:
  explicit Decoder(DecodeOptions options) : options_(options) {}

  const DecodeOptions& options() const { return options_; }
  void push(std::string segment) { path_.push_back(std::move(segment)); }
  void pop() { path_.pop_back(); }
  std::size_t depth() const { return path_.size(); }
  /// The path as the user would write it, e.g. `entryPoints.web.http.tls.domains[0].main`.
  std::string path() const;
  std::string pathWith(std::string_view last) const;

  /// Records `<where>: <path>: <message>` as the error; always returns false.
  bool fail(const Node& at, std::string_view message);
  /// Unknown key `key` below the current path; `known` are relative paths of valid fields.
  bool failUnknown(const Node& at, std::string_view key, const std::vector<std::string>& known);
  void warn(const Node& at, std::string_view message);

  const Error& error() const { return error_; }
  std::vector<std::string>& warnings() { return warnings_; }

 private:
  DecodeOptions options_;
  std::vector<std::string> path_;
  Error error_;
  std::vector<std::string> warnings_;
};

/// Closest candidate to `key` (case-insensitive edit distance, or same last segment), or "".
std::string suggest(std::string_view key, const std::vector<std::string>& candidates);
/// "a section", "a list", "a value" for messages.
std::string_view kindName(const Node& n);
/// Go strconv.ParseBool; false when not one of 1 t T TRUE true True 0 f F FALSE false False.
bool parseGoBool(std::string_view text, bool& out);

using Duration = std::chrono::nanoseconds;

// Scalar grammars (decode.cc). Null leaves the default in place.
bool decodeValue(const Node& n, std::string& out, Decoder& d);
bool decodeValue(const Node& n, bool& out, Decoder& d);
bool decodeValue(const Node& n, std::int64_t& out, Decoder& d);
bool decodeValue(const Node& n, int& out, Decoder& d);
bool decodeValue(const Node& n, double& out, Decoder& d);
bool decodeValue(const Node& n, Duration& out, Decoder& d);
bool decodeValue(const Node& n, std::vector<std::string>& out, Decoder& d);
bool decodeValue(const Node& n, std::vector<double>& out, Decoder& d);
bool decodeValue(const Node& n, std::vector<int>& out, Decoder& d);
bool decodeValue(const Node& n, Node& out, Decoder& d);  // kept as a generic sub-tree

/// A string restricted to a set of values (matched case-insensitively, stored as listed).
struct Choice {
  std::string& out;
  std::initializer_list<std::string_view> allowed;
};
bool decodeValue(const Node& n, Choice&& c, Decoder& d);

/// A section accepted for compatibility and discarded (its field carries kUnsupported).
struct Ignored {};
inline bool decodeValue(const Node&, Ignored&&, Decoder&) {
  return true;
}

/// The label grammar's singular `server.*` that fills item 0 of a list (spec B.4).
template <class T>
struct FirstItem {
  std::vector<T>& list;
};

// ---- visitors over describe() -------------------------------------------------------------

struct NameProbe;
template <class T>
concept Described = requires(T& t, NameProbe& probe) {
  describe(probe, t);
};

// Collects the names (and, to `depth`, nested paths) of a struct's fields for suggestions.
struct NameProbe {
  bool labels = false;
  int depth = 1;
  std::string prefix;
  std::vector<std::string>* out = nullptr;

  template <class M>
  void operator()(std::string_view name, M&& member, unsigned flags = kNone);
};

template <class T>
std::vector<std::string> fieldPaths(bool labels, int depth) {
  std::vector<std::string> out;
  T tmp{};
  NameProbe probe{labels, depth, "", &out};
  describe(probe, tmp);
  return out;
}

template <class T>
struct Unwrap {
  using type = void;
};
template <class T>
struct Unwrap<std::optional<T>> {
  using type = T;
};

template <class M>
void NameProbe::operator()(std::string_view name, M&& member, unsigned flags) {
  if ((flags & kLabelOnly) && !labels)
    return;
  std::string path = prefix.empty() ? std::string(name) : prefix + "." + std::string(name);
  out->push_back(path);
  using Plain = std::remove_cvref_t<M>;
  using Inner = typename Unwrap<Plain>::type;
  if (depth <= 1)
    return;
  NameProbe sub{labels, depth - 1, path, out};
  if constexpr (Described<Plain>) {
    describe(sub, member);
  } else if constexpr (Described<Inner>) {
    Inner tmp{};
    describe(sub, tmp);
  }
}

template <class M>
bool decodeField(const Node& n, M&& member, unsigned flags, Decoder& d);

// Finds the field named `key` and decodes `node` into it.
struct FieldMatcher {
  std::string_view key;
  const Node& node;
  Decoder& d;
  bool found = false;
  bool ok = true;

  template <class M>
  void operator()(std::string_view name, M&& member, unsigned flags = kNone) {
    if (found || !base::iequals(name, key))
      return;
    if ((flags & kLabelOnly) && !d.options().labels)
      return;
    found = true;
    d.push(std::string(name));
    if (flags & kUnsupported) {
      d.warn(node, "accepted but not supported by Pier; ignored");
    }
    ok = decodeField(node, std::forward<M>(member), flags, d);
    d.pop();
  }
};

template <Described T>
bool decodeValue(const Node& n, T& out, Decoder& d) {
  if (n.isNull())
    return true;
  if (!n.isMap()) {
    return d.fail(n, "expected a section with child keys, got " + std::string(kindName(n)));
  }
  for (const auto& [key, child] : n.children()) {
    FieldMatcher m{key, child, d};
    describe(m, out);
    if (!m.found) {
      if (d.depth() == 0 && d.options().lenient_top_level) {
        d.warn(child, "unknown top-level key `" + key + "` ignored");
        continue;
      }
      return d.failUnknown(child, key, fieldPaths<T>(d.options().labels, 3));
    }
    if (!m.ok)
      return false;
  }
  if constexpr (requires { validate(out, n, d); }) {
    return validate(out, n, d);
  }
  return true;
}

/// The items of a list node, or of a map whose keys are all numbers (the env form
/// `..._DOMAINS_0_MAIN`), ordered by number; nullopt for anything else.
std::optional<std::vector<const Node*>> listItems(const Node& n);

template <class T>
bool decodeValue(const Node& n, std::vector<T>& out, Decoder& d) {
  if (n.isNull())
    return true;
  auto list = listItems(n);
  if (!list) {
    return d.fail(n, "expected a list, got " + std::string(kindName(n)));
  }
  std::vector<T> items;
  for (std::size_t i = 0; i < list->size(); ++i) {
    d.push("[" + std::to_string(i) + "]");
    bool ok = decodeValue(*(*list)[i], items.emplace_back(), d);
    d.pop();
    if (!ok)
      return false;
  }
  out = std::move(items);
  return true;
}

template <class T>
bool decodeValue(const Node& n, std::map<std::string, T>& out, Decoder& d) {
  if (n.isNull())
    return true;
  if (!n.isMap()) {
    return d.fail(n, "expected named entries, got " + std::string(kindName(n)));
  }
  for (const auto& [key, child] : n.children()) {
    d.push(key);
    bool ok = decodeValue(child, out[key], d);
    d.pop();
    if (!ok)
      return false;
  }
  return true;
}

template <class T>
bool decodeValue(const Node& n, FirstItem<T>&& f, Decoder& d) {
  if (f.list.empty())
    f.list.emplace_back();
  return decodeValue(n, f.list.front(), d);
}

// "Enable a section" (spec A.2): `true` or an empty value creates it with defaults, any child
// creates it too, `false` leaves it absent.
template <Described T>
bool decodeSection(const Node& n, std::optional<T>& out, unsigned flags, Decoder& d) {
  if (n.isMap() && !n.children().empty()) {
    if (!out)
      out.emplace();
    return decodeValue(n, *out, d);
  }
  if (n.isList()) {
    return d.fail(n, "expected a section with child keys, got a list");
  }
  bool enable = true;
  if (n.hasValue() && !parseGoBool(n.value(), enable)) {
    return d.fail(n, "expected true or false (to enable the section) or child keys");
  }
  if (enable && (flags & kNeedsChild) && n.hasValue()) {
    return d.fail(n, "this section cannot be enabled with `true` alone; set one of its keys");
  }
  if (enable && !out)
    out.emplace();
  if (!enable)
    out.reset();
  if (out) {
    if constexpr (requires { validate(*out, n, d); }) {
      return validate(*out, n, d);
    }
  }
  return true;
}

template <class M>
bool decodeField(const Node& n, M&& member, unsigned flags, Decoder& d) {
  using Plain = std::remove_cvref_t<M>;
  using Inner = typename Unwrap<Plain>::type;
  if constexpr (Described<Inner>) {
    return decodeSection(n, member, flags, d);
  } else if constexpr (!std::is_void_v<Inner>) {  // optional scalar: present once given
    if (n.isNull())
      return true;
    Inner value{};
    if (!decodeValue(n, value, d))
      return false;
    member = std::move(value);
    return true;
  } else {
    return decodeValue(n, std::forward<M>(member), d);
  }
}

// ---- flag arity probe ----------------------------------------------------------------------

FlagArity probeLeaf(std::span<const std::string> rest, bool is_bool);

template <class M>
FlagArity probeValue(std::span<const std::string> rest, M& member, bool labels);

template <class T>
concept StructList = requires {
  typename T::value_type;
}
&&Described<typename T::value_type>;

struct ArityVisitor {
  std::span<const std::string> rest;  // rest[0] is the segment to match
  bool labels = false;
  FlagArity result = FlagArity::Unknown;
  bool found = false;

  template <class M>
  void operator()(std::string_view name, M&& member, unsigned flags = kNone) {
    if (found || !base::iequals(name, rest.front()))
      return;
    if ((flags & kLabelOnly) && !labels)
      return;
    found = true;
    result = probeValue(rest.subspan(1), member, labels);
  }
};

template <class M>
FlagArity probeValue(std::span<const std::string> rest, M& member, bool labels) {
  using Plain = std::remove_cvref_t<M>;
  if constexpr (std::is_same_v<Plain, bool>) {
    return probeLeaf(rest, true);
  } else if constexpr (std::is_same_v<Plain, Node> || std::is_same_v<Plain, Ignored>) {
    return rest.empty() ? FlagArity::NoValue : FlagArity::TakesValue;
  } else if constexpr (Described<Plain>) {
    if (rest.empty())
      return FlagArity::NoValue;
    ArityVisitor v{rest, labels};
    describe(v, member);
    return v.result;
  } else if constexpr (!std::is_void_v<typename Unwrap<Plain>::type>) {
    typename Unwrap<Plain>::type inner{};
    return probeValue(rest, inner, labels);
  } else if constexpr (requires { member.list; }) {  // FirstItem
    typename std::remove_cvref_t<decltype(member.list)>::value_type inner{};
    return probeValue(rest, inner, labels);
  } else if constexpr (requires { typename Plain::mapped_type; }) {
    if (rest.empty())
      return FlagArity::Unknown;
    typename Plain::mapped_type inner{};
    return probeValue(rest.subspan(1), inner, labels);
  } else if constexpr (StructList<Plain>) {
    if (rest.empty() || rest.front().empty() || rest.front().front() != '[') {
      return FlagArity::Unknown;
    }
    typename Plain::value_type inner{};
    return probeValue(rest.subspan(1), inner, labels);
  } else {
    return probeLeaf(rest, false);
  }
}

/// Splits `a.b[0].c` into {"a", "b", "[0]", "c"} for probeValue.
std::vector<std::string> probeSegments(std::string_view key);

}  // namespace pier::config

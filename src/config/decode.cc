#include "config/decode.h"

#include <algorithm>
#include <charconv>
#include <limits>

#include "base/duration.h"

namespace pier::config {

std::string Decoder::path() const {
  return pathWith("");
}

std::string Decoder::pathWith(std::string_view last) const {
  std::string out;
  auto add = [&out](std::string_view seg) {
    if (!out.empty() && seg.front() != '[')
      out += '.';
    out += seg;
  };
  for (const auto& seg : path_)
    add(seg);
  if (!last.empty())
    add(last);
  return out;
}

bool Decoder::fail(const Node& at, std::string_view message) {
  std::string text = at.where().empty() ? "" : at.where() + ": ";
  std::string p = path();
  if (!p.empty())
    text += p + ": ";
  error_ = Error::config(text + std::string(message));
  return false;
}

bool Decoder::failUnknown(const Node& at, std::string_view key,
                          const std::vector<std::string>& known) {
  std::string text = at.where().empty() ? "" : at.where() + ": ";
  text += "unknown key `" + pathWith(key) + "`";
  std::string best = suggest(key, known);
  if (!best.empty())
    text += "; did you mean `" + pathWith(best) + "`?";
  error_ = Error::config(std::move(text));
  return false;
}

void Decoder::warn(const Node& at, std::string_view message) {
  std::string text = at.where().empty() ? "" : at.where() + ": ";
  std::string p = path();
  if (!p.empty())
    text += p + ": ";
  warnings_.push_back(text + std::string(message));
}

std::string suggest(std::string_view key, const std::vector<std::string>& candidates) {
  // Direct fields first (typos), then a nested field with the same name (a key put one
  // section too high, like entryPoints.web.readTimeout).
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, key.size() / 3) + 1;
  for (const auto& c : candidates) {
    if (c.find('.') != std::string::npos)
      continue;
    std::size_t dist = base::editDistance(key, c);
    if (dist < best_distance) {
      best_distance = dist;
      best = c;
    }
  }
  if (!best.empty())
    return best;
  for (const auto& c : candidates) {
    std::size_t dot = c.rfind('.');
    if (dot != std::string::npos && base::editDistance(key, c.substr(dot + 1)) <= 1)
      return c;
  }
  return best;
}

std::string_view kindName(const Node& n) {
  switch (n.kind()) {
    case Node::Kind::Null:
      return "nothing";
    case Node::Kind::Scalar:
      return "a value";
    case Node::Kind::Map:
      return "a section";
    case Node::Kind::List:
      return "a list";
  }
  return "a value";
}

bool parseGoBool(std::string_view text, bool& out) {
  for (std::string_view t : {"1", "t", "T", "TRUE", "true", "True"}) {
    if (text == t)
      return out = true, true;
  }
  for (std::string_view f : {"0", "f", "F", "FALSE", "false", "False"}) {
    if (text == f)
      return out = false, true;
  }
  return false;
}

namespace {

// A scalar or nothing; flat sources may attach a value to a map node, which is not a scalar.
bool scalarText(const Node& n, Decoder& d, std::string_view expected, const std::string*& text) {
  text = nullptr;
  if (n.isNull())
    return true;
  if (n.kind() != Node::Kind::Scalar) {
    return d.fail(n, "expected " + std::string(expected) + ", got " + std::string(kindName(n)));
  }
  text = &n.value();
  return true;
}

}  // namespace

bool decodeValue(const Node& n, std::string& out, Decoder& d) {
  const std::string* text = nullptr;
  if (!scalarText(n, d, "a string", text))
    return false;
  if (text)
    out = *text;
  return true;
}

bool decodeValue(const Node& n, bool& out, Decoder& d) {
  const std::string* text = nullptr;
  if (!scalarText(n, d, "true or false", text))
    return false;
  if (text && !parseGoBool(base::trim(*text), out)) {
    return d.fail(n, "expected true or false, got \"" + *text + "\"");
  }
  return true;
}

bool decodeValue(const Node& n, std::int64_t& out, Decoder& d) {
  const std::string* text = nullptr;
  if (!scalarText(n, d, "an integer", text))
    return false;
  long long v = 0;
  if (text && !base::parseInt64(base::trim(*text), v)) {
    return d.fail(n, "expected an integer, got \"" + *text + "\"");
  }
  if (text)
    out = v;
  return true;
}

bool decodeValue(const Node& n, int& out, Decoder& d) {
  std::int64_t v = out;
  if (!decodeValue(n, v, d))
    return false;
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
    return d.fail(n, "integer out of range");
  }
  out = static_cast<int>(v);
  return true;
}

namespace {

bool parseDouble(std::string_view s, double& out) {
  s = base::trim(s);
  if (!s.empty() && s.front() == '+')
    s.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

bool decodeValue(const Node& n, double& out, Decoder& d) {
  const std::string* text = nullptr;
  if (!scalarText(n, d, "a number", text))
    return false;
  if (text && !parseDouble(*text, out)) {
    return d.fail(n, "expected a number, got \"" + *text + "\"");
  }
  return true;
}

bool decodeValue(const Node& n, Duration& out, Decoder& d) {
  const std::string* text = nullptr;
  if (!scalarText(n, d, "a duration like 10s or 1m30s", text))
    return false;
  if (!text)
    return true;
  auto parsed = base::parseDuration(*text);
  if (!parsed) {
    return d.fail(n, "expected a duration like 10s or 1m30s (a bare number means seconds), got \"" +
                         *text + "\"");
  }
  out = *parsed;
  return true;
}

namespace {

// Lists of scalars: a YAML list, or comma-separated values (each repetition of a flag appends).
template <class T, class Parse>
bool decodeScalarList(const Node& n, std::vector<T>& out, Decoder& d, std::string_view what,
                      Parse parse) {
  if (n.isNull())
    return true;
  std::vector<std::string> texts;
  if (n.kind() == Node::Kind::Scalar) {
    for (const auto& v : n.values()) {
      for (auto& item : base::splitTrim(v, ','))
        texts.push_back(std::move(item));
    }
  } else if (n.isList()) {
    for (const auto& item : n.items()) {
      if (item.kind() != Node::Kind::Scalar) {
        return d.fail(item, "expected a list of " + std::string(what) + ", got an item that is " +
                                std::string(kindName(item)));
      }
      texts.push_back(std::string(base::trim(item.value())));
    }
  } else {
    return d.fail(n,
                  "expected a list of " + std::string(what) + ", got " + std::string(kindName(n)));
  }
  std::vector<T> items;
  for (const auto& t : texts) {
    if (!parse(t, items.emplace_back())) {
      return d.fail(n, "expected a list of " + std::string(what) + ", got \"" + t + "\"");
    }
  }
  out = std::move(items);
  return true;
}

}  // namespace

bool decodeValue(const Node& n, std::vector<std::string>& out, Decoder& d) {
  return decodeScalarList(n, out, d, "strings", [](const std::string& t, std::string& o) {
    o = t;
    return true;
  });
}

bool decodeValue(const Node& n, std::vector<double>& out, Decoder& d) {
  return decodeScalarList(n, out, d, "numbers", parseDouble);
}

bool decodeValue(const Node& n, std::vector<int>& out, Decoder& d) {
  return decodeScalarList(n, out, d, "integers", [](const std::string& t, int& o) {
    long long v = 0;
    if (!base::parseInt64(t, v) || v < std::numeric_limits<int>::min() ||
        v > std::numeric_limits<int>::max()) {
      return false;
    }
    o = static_cast<int>(v);
    return true;
  });
}

bool decodeValue(const Node& n, Node& out, Decoder&) {
  out = n;
  return true;
}

bool decodeValue(const Node& n, Choice&& c, Decoder& d) {
  std::string text;
  if (!decodeValue(n, text, d))
    return false;
  if (n.isNull())
    return true;
  for (std::string_view allowed : c.allowed) {
    if (base::iequals(base::trim(text), allowed)) {
      c.out = std::string(allowed);
      return true;
    }
  }
  std::string list;
  for (std::string_view allowed : c.allowed)
    list += (list.empty() ? "" : ", ") + std::string(allowed);
  return d.fail(n, "expected one of " + list + ", got \"" + text + "\"");
}

std::optional<std::vector<const Node*>> listItems(const Node& n) {
  std::vector<const Node*> out;
  if (n.isList()) {
    for (const auto& item : n.items())
      out.push_back(&item);
    return out;
  }
  if (!n.isMap() || n.hasValue())
    return std::nullopt;
  std::vector<std::pair<unsigned long long, const Node*>> numbered;
  for (const auto& [key, child] : n.children()) {
    unsigned long long index = 0;
    if (key.empty() || key.front() == '+' || !base::parseUint64(key, index))
      return std::nullopt;
    numbered.emplace_back(index, &child);
  }
  std::stable_sort(numbered.begin(), numbered.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [index, child] : numbered)
    out.push_back(child);
  return out;
}

FlagArity probeLeaf(std::span<const std::string> rest, bool is_bool) {
  if (!rest.empty())
    return FlagArity::Unknown;
  return is_bool ? FlagArity::NoValue : FlagArity::TakesValue;
}

std::vector<std::string> probeSegments(std::string_view key) {
  std::vector<std::string> out;
  for (const auto& seg : base::splitTrim(key, '.')) {
    std::size_t open = seg.find('[');
    out.push_back(seg.substr(0, open));
    if (open != std::string::npos)
      out.push_back(seg.substr(open));
  }
  return out;
}

}  // namespace pier::config

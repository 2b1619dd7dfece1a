// Ordered HTTP header fields. Names keep the sender's case; lookups ignore case.
// Plain value type: copied into each exchange, never shared across threads while mutated.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pier::http {

struct HeaderField {
  std::string name;
  std::string value;
};

class HeaderMap {
 public:
  using const_iterator = std::vector<HeaderField>::const_iterator;

  void add(std::string_view name, std::string_view value);
  // Replaces every field called `name` with one field (appended at the end when absent).
  void set(std::string_view name, std::string_view value);
  // Removes every field called `name`; returns how many were removed.
  std::size_t remove(std::string_view name);
  bool has(std::string_view name) const;
  // First value of `name`, or nullptr.
  const std::string* get(std::string_view name) const;
  // Calls fn(value) for each field called `name`, in order.
  template <typename Fn>
  void forEach(std::string_view name, Fn&& fn) const;
  // True when some comma-separated token of some `name` field equals `token` (case-insensitive).
  bool hasToken(std::string_view name, std::string_view token) const;

  std::size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }
  const_iterator begin() const { return fields_.begin(); }
  const_iterator end() const { return fields_.end(); }
  std::vector<HeaderField>& fields() { return fields_; }
  const std::vector<HeaderField>& fields() const { return fields_; }
  void clear() { fields_.clear(); }

 private:
  std::vector<HeaderField> fields_;
};

bool headerNameEquals(std::string_view a, std::string_view b);
/// True when `s` is a non-empty RFC 9110 token (a valid field name or method).
bool isHttpToken(std::string_view s);

template <typename Fn>
void HeaderMap::forEach(std::string_view name, Fn&& fn) const {
  for (const HeaderField& f : fields_) {
    if (headerNameEquals(f.name, name)) {
      fn(std::string_view(f.value));
    }
  }
}

}  // namespace pier::http

#include "http/header_map.h"

#include <algorithm>

#include "base/strings.h"

namespace pier::http {

bool headerNameEquals(std::string_view a, std::string_view b) {
  return base::iequals(a, b);
}

bool isHttpToken(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  for (char c : name) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

void HeaderMap::add(std::string_view name, std::string_view value) {
  fields_.push_back(HeaderField{std::string(name), std::string(value)});
}

void HeaderMap::set(std::string_view name, std::string_view value) {
  remove(name);
  add(name, value);
}

std::size_t HeaderMap::remove(std::string_view name) {
  auto it = std::remove_if(fields_.begin(), fields_.end(),
                           [&](const HeaderField& f) { return headerNameEquals(f.name, name); });
  std::size_t removed = static_cast<std::size_t>(fields_.end() - it);
  fields_.erase(it, fields_.end());
  return removed;
}

bool HeaderMap::has(std::string_view name) const {
  return get(name) != nullptr;
}

const std::string* HeaderMap::get(std::string_view name) const {
  for (const HeaderField& f : fields_) {
    if (headerNameEquals(f.name, name)) {
      return &f.value;
    }
  }
  return nullptr;
}

bool HeaderMap::hasToken(std::string_view name, std::string_view token) const {
  bool found = false;
  forEach(name, [&](std::string_view value) {
    for (const std::string& item : base::splitTrim(value, ',')) {
      if (base::iequals(item, token)) {
        found = true;
      }
    }
  });
  return found;
}

}  // namespace pier::http

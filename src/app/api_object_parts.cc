#include "app/api_object_parts.h"

#include <algorithm>

namespace pier::app {

std::vector<std::string> sortedNames(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

ordered_json nodeJson(const config::Node& n) {
  switch (n.kind()) {
    case config::Node::Kind::Map: {
      ordered_json j = ordered_json::object();
      for (const auto& [key, child] : n.children()) {
        j[key] = nodeJson(child);
      }
      return j;
    }
    case config::Node::Kind::List: {
      ordered_json j = ordered_json::array();
      for (const config::Node& item : n.items()) {
        j.push_back(nodeJson(item));
      }
      return j;
    }
    case config::Node::Kind::Scalar:
      return n.value();
    case config::Node::Kind::Null:
      break;
  }
  return ordered_json::object();
}

std::string applyStatusAndUsers(const ApiInputs& in, ordered_json& j, control::ObjectKind kind,
                                const std::string& name, const ApiUsers& users) {
  std::string status = in.problems.apply(j, kind, name);
  if (auto u = users.find(name); u != users.end()) {
    j["usedBy"] = sortedNames(u->second);
  }
  return status;
}

void nameObject(ApiObject& o, const std::string& name, const std::string& status,
                const std::string& type) {
  std::string provider = providerOf(name);
  o.json["name"] = name;
  o.json["provider"] = provider;
  if (!type.empty()) {
    o.json["type"] = type;
  }
  o.entry.name = name;
  o.entry.status = status;
  o.entry.provider = provider;
  o.entry.type = type;
}

}  // namespace pier::app

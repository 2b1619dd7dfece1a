// Node: the neutral configuration tree every source is turned into (YAML file, CLI flags, env
// variables, Docker labels) before one schema-driven decoder types it. Each node remembers where
// it came from ("traefik.yml:12", "flag --entrypoints.web.address", "env TRAEFIK_PING",
// "label traefik.http.routers.x.rule") so errors can point at the user's text.
// Thread: control thread only. Plain value type, no third-party types.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pier::config {

class Node {
 public:
  enum class Kind { Null, Scalar, Map, List };

  Node() = default;
  static Node scalar(std::string value, std::string where);
  static Node map(std::string where);
  static Node list(std::string where);
  static Node null(std::string where);

  Kind kind() const { return kind_; }
  bool isNull() const { return kind_ == Kind::Null; }
  bool isMap() const { return kind_ == Kind::Map; }
  bool isList() const { return kind_ == Kind::List; }
  /// True when the node carries a value; flat sources may give a map node a value too
  /// (`--ping=true --ping.entrypoint=web`).
  bool hasValue() const { return !values_.empty(); }
  /// The last value given (a repeated flag: last wins for scalars).
  const std::string& value() const;
  /// Every value given, in order (a repeated list flag appends).
  const std::vector<std::string>& values() const { return values_; }
  const std::string& where() const { return where_; }

  /// Map children in source order, keys exactly as written.
  const std::vector<std::pair<std::string, Node>>& children() const { return children_; }
  const std::vector<Node>& items() const { return items_; }

  /// Case-insensitive lookup of a direct child; nullptr when absent.
  const Node* find(std::string_view key) const;

  // Building (used by the source readers).
  void addValue(std::string value);
  /// Returns the child named `key` (case-insensitive), creating it as Null at `where` if absent;
  /// the node becomes a map.
  Node& child(std::string_view key, const std::string& where);
  /// Appends a map child without folding keys (YAML keeps distinct spellings distinct).
  Node& append(std::string key, Node value);
  Node& push(Node item);
  void setKind(Kind kind) { kind_ = kind; }
  void setWhere(std::string where) { where_ = std::move(where); }

  /// Debug/test rendering: `{a: {b: "1"}, l: ["x"]}` (order as stored).
  std::string toString() const;

  // Same content; where the values came from does not count.
  bool operator==(const Node& o) const {
    return kind_ == o.kind_ && values_ == o.values_ && children_ == o.children_ &&
           items_ == o.items_;
  }

 private:
  Kind kind_ = Kind::Null;
  std::vector<std::string> values_;
  std::vector<std::pair<std::string, Node>> children_;
  std::vector<Node> items_;
  std::string where_;
};

}  // namespace pier::config

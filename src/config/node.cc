#include "config/node.h"

#include "base/strings.h"

namespace pier::config {

Node Node::scalar(std::string value, std::string where) {
  Node n;
  n.kind_ = Kind::Scalar;
  n.values_.push_back(std::move(value));
  n.where_ = std::move(where);
  return n;
}

Node Node::map(std::string where) {
  Node n;
  n.kind_ = Kind::Map;
  n.where_ = std::move(where);
  return n;
}

Node Node::list(std::string where) {
  Node n;
  n.kind_ = Kind::List;
  n.where_ = std::move(where);
  return n;
}

Node Node::null(std::string where) {
  Node n;
  n.where_ = std::move(where);
  return n;
}

const std::string& Node::value() const {
  static const std::string kEmpty;
  return values_.empty() ? kEmpty : values_.back();
}

const Node* Node::find(std::string_view key) const {
  for (const auto& [k, v] : children_) {
    if (base::iequals(k, key)) {
      return &v;
    }
  }
  return nullptr;
}

void Node::addValue(std::string value) {
  if (kind_ == Kind::Null) {
    kind_ = Kind::Scalar;
  }
  values_.push_back(std::move(value));
}

Node& Node::child(std::string_view key, const std::string& where) {
  kind_ = Kind::Map;
  for (auto& [k, v] : children_) {
    if (base::iequals(k, key)) {
      return v;
    }
  }
  children_.emplace_back(std::string(key), Node::null(where));
  return children_.back().second;
}

Node& Node::append(std::string key, Node value) {
  kind_ = Kind::Map;
  children_.emplace_back(std::move(key), std::move(value));
  return children_.back().second;
}

Node& Node::push(Node item) {
  kind_ = Kind::List;
  items_.push_back(std::move(item));
  return items_.back();
}

std::string Node::toString() const {
  std::string out;
  switch (kind_) {
    case Kind::Null:
      return "null";
    case Kind::Scalar:
      return "\"" + value() + "\"";
    case Kind::List:
      out = "[";
      for (std::size_t i = 0; i < items_.size(); ++i) {
        out += (i ? ", " : "") + items_[i].toString();
      }
      return out + "]";
    case Kind::Map:
      out = hasValue() ? "\"" + value() + "\" {" : "{";
      for (std::size_t i = 0; i < children_.size(); ++i) {
        out += (i ? ", " : "") + children_[i].first + ": " + children_[i].second.toString();
      }
      return out + "}";
  }
  return out;
}

}  // namespace pier::config

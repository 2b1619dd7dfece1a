#include "config/yaml.h"

#include <yaml-cpp/yaml.h>

#include <exception>

namespace pier::config {
namespace {

constexpr int kMaxDepth = 64;
constexpr std::size_t kMaxNodes = 200000;

struct Converter {
  const std::string& file;
  std::size_t count = 0;
  std::string error;

  std::string where(const YAML::Mark& mark) const {
    return file + ":" + std::to_string(mark.line >= 0 ? mark.line + 1 : 0);
  }

  bool convert(const YAML::Node& in, Node& out, int depth) {
    if (++count > kMaxNodes || depth > kMaxDepth) {
      error = where(in.Mark()) + ": document too large or nested too deeply";
      return false;
    }
    switch (in.Type()) {
      case YAML::NodeType::Scalar:
        out = Node::scalar(in.Scalar(), where(in.Mark()));
        return true;
      case YAML::NodeType::Sequence:
        out = Node::list(where(in.Mark()));
        for (const auto& item : in) {
          if (!convert(item, out.push(Node()), depth + 1))
            return false;
        }
        return true;
      case YAML::NodeType::Map:
        return convertMap(in, out, depth);
      default:  // Null and Undefined
        out = Node::null(where(in.Mark()));
        return true;
    }
  }

  bool convertMap(const YAML::Node& in, Node& out, int depth) {
    out = Node::map(where(in.Mark()));
    std::vector<YAML::Node> keep;  // iterator values are proxies; keep them alive
    for (const auto& kv : in) {
      if (!kv.first.IsScalar()) {
        error = where(kv.first.Mark()) + ": map keys must be plain strings";
        return false;
      }
      if (kv.first.Scalar() == "<<" && kv.first.Tag() != "!") {
        keep.push_back(kv.second);
        continue;
      }
      Node& child = out.append(kv.first.Scalar(), Node());
      if (!convert(kv.second, child, depth + 1))
        return false;
      child.setWhere(where(kv.first.Mark()));  // errors point at the key's line
    }
    for (const auto& m : keep) {
      if (!applyMerge(m, out, depth))
        return false;
    }
    return true;
  }

  // `<<: *base` or `<<: [*a, *b]`: keys not already present are copied in (YAML merge key).
  bool applyMerge(const YAML::Node& src, Node& out, int depth) {
    if (src.IsSequence()) {
      for (const auto& item : src) {
        if (!applyMerge(item, out, depth))
          return false;
      }
      return true;
    }
    if (!src.IsMap()) {
      error = where(src.Mark()) + ": merge key `<<` needs a map";
      return false;
    }
    Node merged;
    if (!convertMap(src, merged, depth + 1))
      return false;
    for (const auto& [key, value] : merged.children()) {
      bool present = false;
      for (const auto& [k, v] : out.children())
        present = present || k == key;
      if (!present)
        out.append(key, value);
    }
    return true;
  }
};

}  // namespace

Result<Node> parseYaml(std::string_view text, const std::string& file_name) {
  try {
    YAML::Node doc = YAML::Load(std::string(text));
    Converter conv{file_name};
    Node root;
    if (!conv.convert(doc, root, 0)) {
      return fail(Error::config(conv.error));
    }
    if (root.isNull()) {
      return Node::map(file_name + ":1");
    }
    return root;
  } catch (const YAML::Exception& e) {
    std::string line = e.mark.is_null() ? "" : ":" + std::to_string(e.mark.line + 1);
    return fail(Error::config(file_name + line + ": invalid YAML: " + e.msg));
  } catch (const std::exception& e) {
    return fail(Error::config(file_name + ": invalid YAML: " + e.what()));
  }
}

}  // namespace pier::config

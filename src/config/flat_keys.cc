#include "config/flat_keys.h"

#include <algorithm>

#include "base/strings.h"

namespace pier::config {
namespace {

struct Segment {
  std::string name;
  long long index = -1;  // -1 when the segment has no [n]
};

Result<std::vector<Segment>> splitKey(const FlatEntry& e) {
  std::vector<Segment> out;
  std::string_view rest = e.key;
  while (true) {
    std::size_t dot = rest.find('.');
    std::string_view seg = rest.substr(0, dot);
    if (seg.empty() || seg.front() == '[') {
      return fail(Error::config(e.where + ": invalid key \"" + e.key +
                                "\": empty segment or segment starting with `[`"));
    }
    Segment s;
    std::size_t open = seg.find('[');
    if (open != std::string_view::npos) {
      std::string_view idx = seg.substr(open + 1);
      if (idx.empty() || idx.back() != ']' ||
          !base::parseInt64(idx.substr(0, idx.size() - 1), s.index) || s.index < 0) {
        return fail(Error::config(e.where + ": invalid list index in key \"" + e.key + "\""));
      }
      seg = seg.substr(0, open);
    }
    s.name = std::string(seg);
    out.push_back(std::move(s));
    if (dot == std::string_view::npos)
      break;
    rest.remove_prefix(dot + 1);
  }
  return out;
}

bool isIndexKey(const std::string& k) {
  return !k.empty() && k.front() == '[';
}

long long indexOf(const std::string& k) {
  long long v = 0;
  base::parseInt64(std::string_view(k).substr(1, k.size() - 2), v);
  return v;
}

// Turns maps whose keys are all "[n]" into lists ordered by n.
Result<Node> normalize(const Node& in) {
  if (!in.isMap())
    return in;
  const auto& kids = in.children();
  bool indexed = !kids.empty() && isIndexKey(kids.front().first);
  Node out = indexed ? Node::list(in.where()) : Node::map(in.where());
  std::vector<std::pair<long long, const Node*>> items;
  for (const auto& [k, v] : kids) {
    if (isIndexKey(k) != indexed) {
      return fail(Error::config(v.where() + ": a key mixes list items `[n]` and named fields"));
    }
    auto child = normalize(v);
    if (!child)
      return child;
    if (indexed) {
      items.emplace_back(indexOf(k), nullptr);
      out.push(std::move(*child));
    } else {
      out.append(k, std::move(*child));
    }
  }
  if (indexed) {  // order by index; positions of items were pushed in insertion order
    std::vector<std::size_t> order(items.size());
    for (std::size_t i = 0; i < order.size(); ++i)
      order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return items[a].first < items[b].first; });
    Node sorted = Node::list(in.where());
    for (std::size_t i : order)
      sorted.push(out.items()[i]);
    out = std::move(sorted);
  }
  for (const auto& v : in.values())
    out.addValue(v);
  if (indexed && in.hasValue()) {
    return fail(Error::config(in.where() + ": a list given both a value and `[n]` items"));
  }
  return out;
}

}  // namespace

Result<Node> flatToNode(const std::vector<FlatEntry>& entries) {
  Node root = Node::map("");
  for (const auto& e : entries) {
    auto segs = splitKey(e);
    if (!segs)
      return fail(segs.error());
    Node* cur = &root;
    for (const auto& s : *segs) {
      cur = &cur->child(s.name, e.where);
      if (s.index >= 0) {
        cur = &cur->child("[" + std::to_string(s.index) + "]", e.where);
      }
    }
    cur->addValue(e.value);
    cur->setWhere(e.where);  // errors about a value point at the last flag that set it
  }
  return normalize(root);
}

Result<std::vector<FlatEntry>> parseFlags(const std::vector<std::string>& args,
                                          const ArityProbe& probe) {
  std::vector<FlatEntry> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--")
      break;
    if (arg.size() < 2 || arg.front() != '-') {
      std::string hint = i > 0 ? " after " + args[i - 1] : "";
      return fail(Error::config("unexpected argument \"" + std::string(arg) + "\"" + hint +
                                " (give a boolean flag its value with `=`, e.g. --flag=false)"));
    }
    std::string_view body = arg.substr(arg[1] == '-' ? 2 : 1);
    std::size_t eq = body.find('=');
    std::string name(body.substr(0, eq));
    if (name.empty() || name.front() == '-') {
      return fail(Error::config("invalid flag \"" + std::string(arg) + "\""));
    }
    FlatEntry e{name, "", "flag --" + name};
    if (eq != std::string_view::npos) {
      e.value = std::string(body.substr(eq + 1));
    } else if (probe(name) == FlagArity::TakesValue) {
      if (i + 1 >= args.size()) {
        return fail(Error::config(e.where + ": missing value"));
      }
      e.value = args[++i];
    } else {
      e.value = "true";  // bare boolean or section flag
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<FlatEntry> envEntries(const std::vector<std::pair<std::string, std::string>>& env,
                                  const std::vector<std::string>& prefixes,
                                  const std::function<bool(std::string_view)>& is_root) {
  std::vector<FlatEntry> out;
  for (const auto& [name, value] : env) {
    for (const auto& prefix : prefixes) {
      if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0)
        continue;
      std::string key = base::toLower(std::string_view(name).substr(prefix.size()));
      std::replace(key.begin(), key.end(), '_', '.');
      if (is_root(key.substr(0, key.find('.')))) {
        out.push_back(FlatEntry{key, value, "env " + name});
      }
      break;
    }
  }
  return out;
}

}  // namespace pier::config

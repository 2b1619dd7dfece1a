#include "config/static_loader.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "base/strings.h"
#include "config/flat_keys.h"
#include "config/static_schema.h"
#include "config/yaml.h"

namespace pier::config {
namespace {

constexpr std::size_t kMaxFileBytes = 16 * 1024 * 1024;

struct SplitArgs {
  std::string config_file;  // from --configFile, "" when absent
  std::vector<std::string> flags;
};

bool isConfigFileFlag(std::string_view arg, std::string_view& value, bool& has_value) {
  if (arg.size() < 2 || arg.front() != '-')
    return false;
  std::string_view body = arg.substr(arg[1] == '-' ? 2 : 1);
  std::size_t eq = body.find('=');
  // spec A.1: matched as `configFile` or all lower-case.
  std::string_view name = body.substr(0, eq);
  if (name != "configFile" && name != "configfile")
    return false;
  has_value = eq != std::string_view::npos;
  value = has_value ? body.substr(eq + 1) : std::string_view();
  return true;
}

Result<SplitArgs> splitConfigFile(const std::vector<std::string>& args) {
  SplitArgs out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view value;
    bool has_value = false;
    if (args[i] == "--") {
      out.flags.insert(out.flags.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
      break;
    }
    if (!isConfigFileFlag(args[i], value, has_value)) {
      out.flags.push_back(args[i]);
      continue;
    }
    if (!has_value) {
      if (i + 1 >= args.size())
        return fail(Error::config("flag --configFile: missing value"));
      value = args[++i];
    }
    out.config_file = std::string(value);
  }
  return out;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "" : std::string(sep)) + item;
  return out;
}

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && base::iequals(s.substr(s.size() - suffix.size()), suffix);
}

std::string findConfigFile(const std::vector<std::string>& dirs) {
  for (const auto& dir : dirs) {
    for (const char* base : {"pier", "traefik"}) {
      for (const char* ext : {".toml", ".yaml", ".yml"}) {
        std::filesystem::path p = std::filesystem::path(dir) / (std::string(base) + ext);
        std::error_code ec;
        if (std::filesystem::is_regular_file(p, ec))
          return p.string();
      }
    }
  }
  return "";
}

Result<Node> readConfigFile(const std::string& path) {
  if (endsWith(path, ".toml")) {
    return fail(Error::config("configuration file " + path +
                              ": TOML is not supported yet by Pier; please use YAML (.yml)"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(Error::environment("cannot read configuration file " + path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > kMaxFileBytes) {
    return fail(Error::config("configuration file " + path + " is larger than 16 MiB"));
  }
  return parseYaml(text.str(), path);
}

std::vector<FlatEntry> environmentEntries(const Environment& env) {
  // TRAEFIK_ first so that PIER_ (our alias) wins when both set one key.
  auto entries = envEntries(env, {"TRAEFIK_"}, isStaticRoot);
  auto pier = envEntries(env, {"PIER_"}, isStaticRoot);
  entries.insert(entries.end(), pier.begin(), pier.end());
  return entries;
}

std::string ignoredSummary(const std::vector<std::string>& flags,
                           const std::vector<FlatEntry>& env) {
  std::string parts;
  if (!flags.empty()) {
    parts = std::to_string(flags.size()) + " command-line argument(s) (" + join(flags, " ") + ")";
  }
  if (!env.empty()) {
    std::vector<std::string> names;
    for (const auto& e : env)
      names.push_back(e.where.substr(4));  // drop "env "
    parts += (parts.empty() ? "" : " and ") + std::to_string(env.size()) +
             " environment variable(s) (" + join(names, ", ") + ")";
  }
  return parts;
}

Result<LoadedStatic> decodeTree(const Node& tree, bool from_file, std::string source,
                                std::vector<std::string> warnings) {
  PIER_TRY_VOID(checkRemovedOptions(tree));
  LoadedStatic out;
  auto config = decodeStaticNode(tree, from_file, warnings);
  if (!config)
    return fail(config.error());
  out.config = std::move(*config);
  out.config.source = tree;
  addImplicitObjects(out.config);
  out.source = std::move(source);
  out.warnings = std::move(warnings);
  return out;
}

}  // namespace

std::vector<std::string> defaultSearchDirs(const Environment& env) {
  std::string xdg, home;
  for (const auto& [k, v] : env) {
    if (k == "XDG_CONFIG_HOME")
      xdg = v;
    if (k == "HOME")
      home = v;
  }
  std::vector<std::string> dirs = {"/etc/pier", "/etc/traefik"};
  if (!xdg.empty())
    dirs.push_back(xdg);
  if (!home.empty())
    dirs.push_back(home + "/.config");
  dirs.push_back(".");
  return dirs;
}

void addImplicitObjects(StaticConfig& config) {
  auto endpoint = [](std::string_view address) {
    EntryPoint ep;
    ep.address = *parseListenAddress(address);
    return ep;
  };
  if (config.entry_points.empty()) {
    config.entry_points.emplace("http", endpoint(":80"));
  }
  bool needs_traefik = (config.api && config.api->insecure) ||
                       (config.ping && config.ping->entry_point == "traefik") ||
                       (config.metrics && config.metrics->prometheus &&
                        config.metrics->prometheus->entry_point == "traefik" &&
                        !config.metrics->prometheus->manual_routing);
  if (needs_traefik && !config.entry_points.contains("traefik")) {
    config.entry_points.emplace("traefik", endpoint(":8080"));
  }
}

Result<LoadedStatic> loadStaticConfig(const std::vector<std::string>& args,
                                      const Environment& env) {
  return loadStaticConfig(args, env, defaultSearchDirs(env));
}

Result<LoadedStatic> loadStaticConfig(const std::vector<std::string>& args, const Environment& env,
                                      const std::vector<std::string>& search_dirs) {
  auto split = splitConfigFile(args);
  if (!split)
    return fail(split.error());
  auto env_entries = environmentEntries(env);

  // spec A.1 step 1: removed options on the command line fail even when a file wins.
  auto flag_entries = parseFlags(split->flags, staticFlagArity);
  if (flag_entries) {
    auto tree = flatToNode(*flag_entries);
    if (tree)
      PIER_TRY_VOID(checkRemovedOptions(*tree));
  }

  std::string file = split->config_file.empty() ? findConfigFile(search_dirs) : split->config_file;
  if (!file.empty()) {
    auto tree = readConfigFile(file);
    if (!tree)
      return fail(tree.error());
    std::vector<std::string> warnings;
    std::string ignored = ignoredSummary(split->flags, env_entries);
    if (!ignored.empty()) {
      warnings.push_back("configuration file " + file + " is used; ignoring " + ignored);
    }
    return decodeTree(*tree, true, "file " + file, std::move(warnings));
  }
  if (!split->flags.empty()) {
    if (!flag_entries)
      return fail(flag_entries.error());
    auto tree = flatToNode(*flag_entries);
    if (!tree)
      return fail(tree.error());
    return decodeTree(*tree, false, "flags", {});
  }
  if (!env_entries.empty()) {
    auto tree = flatToNode(env_entries);
    if (!tree)
      return fail(tree.error());
    return decodeTree(*tree, false, "environment", {});
  }
  return decodeTree(Node::map(""), false, "defaults", {});
}

}  // namespace pier::config

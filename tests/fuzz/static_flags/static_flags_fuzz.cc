// Fuzz target: CLI flags and environment -> static configuration. One argument per input line;
// a line "ENV NAME=value" is an environment variable instead. --configFile is dropped so the
// target never reads files.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/strings.h"
#include "config/static_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> args;
  pier::config::Environment env;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.substr(0, 4) == "ENV ") {
      std::string_view kv = line.substr(4);
      std::size_t eq = kv.find('=');
      env.emplace_back(std::string(kv.substr(0, eq)),
                       eq == std::string_view::npos ? "" : std::string(kv.substr(eq + 1)));
    } else if (pier::base::toLower(line).find("configfile") == std::string::npos) {
      args.emplace_back(line);
    }
  }
  auto loaded = pier::config::loadStaticConfig(args, env, {});
  if (loaded) {
    // Invariant: the implicit objects of spec A.6 always leave at least one entry point.
    if (loaded->config.entry_points.empty())
      __builtin_trap();
  } else if (loaded.error().message.empty()) {
    __builtin_trap();  // every error must say something
  }
  return 0;
}

// Fuzz target: dynamic-configuration YAML (file provider) -> DynamicConfig.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/dynamic_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = pier::config::parseDynamicYaml(text, "fuzz.yml");
  if (!parsed && parsed.error().message.rfind("fuzz.yml", 0) != 0) {
    __builtin_trap();  // every error must point into the file
  }
  return 0;
}

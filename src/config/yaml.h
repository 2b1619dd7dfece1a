// YAML text -> Node tree. The only file that includes the YAML library; its exceptions stay here.
// Thread: control thread only.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "config/node.h"

namespace pier::config {

/// Parses one YAML document. Every node's where() is "<file_name>:<line>" (1-based). An empty
/// document gives an empty map. Merge keys (`<<: *anchor`) are applied. Syntax errors, nesting
/// deeper than 64 levels and alias bombs (more than 200000 nodes) are Config errors.
Result<Node> parseYaml(std::string_view text, const std::string& file_name);

}  // namespace pier::config

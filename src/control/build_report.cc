#include "control/build_report.h"

#include <algorithm>

namespace pier::control {

std::string_view objectKindLabel(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::HttpRouter:
      return "router";
    case ObjectKind::HttpService:
      return "service";
    case ObjectKind::HttpMiddleware:
      return "middleware";
    case ObjectKind::TcpRouter:
      return "TCP router";
    case ObjectKind::TcpService:
      return "TCP service";
    case ObjectKind::TcpMiddleware:
      return "TCP middleware";
    case ObjectKind::UdpRouter:
      return "UDP router";
    case ObjectKind::UdpService:
      return "UDP service";
  }
  return "object";
}

namespace {

std::string logLine(ObjectKind kind, const std::string& name, const std::string& message) {
  return std::string(objectKindLabel(kind)) + " " + name + ": " + message;
}

}  // namespace

void BuildReport::error(ObjectKind kind, const std::string& name, const std::string& message) {
  errors.push_back(logLine(kind, name, message));
  attach(kind, name, message, true);
}

void BuildReport::warning(ObjectKind kind, const std::string& name, const std::string& message) {
  warnings.push_back(logLine(kind, name, message));
  attach(kind, name, message, false);
}

void BuildReport::attach(ObjectKind kind, const std::string& name, const std::string& message,
                         bool critical) {
  problems.push_back(ObjectProblem{kind, name, message, critical});
}

std::vector<std::string> BuildReport::messagesFor(ObjectKind kind, const std::string& name,
                                                  bool* critical) const {
  std::vector<std::string> out;
  bool any_critical = false;
  for (const ObjectProblem& p : problems) {
    if (p.kind != kind || p.name != name) {
      continue;
    }
    any_critical = any_critical || p.critical;
    if (std::find(out.begin(), out.end(), p.message) == out.end()) {
      out.push_back(p.message);
    }
  }
  if (critical != nullptr) {
    *critical = any_critical;
  }
  return out;
}

}  // namespace pier::control

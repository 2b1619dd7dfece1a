// What a configuration build found wrong, in two forms: log lines (errors, warnings) and the
// same findings attached to the object they concern (kind + qualified name), which the API
// shows as each router's, service's or middleware's `status` and `error` list.
// Thread: control loop only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pier::control {

enum class ObjectKind {
  HttpRouter,
  HttpService,
  HttpMiddleware,
  TcpRouter,
  TcpService,
  TcpMiddleware,
  UdpRouter,
  UdpService,
};

// "router", "TCP service", ...: how log lines name the kind.
std::string_view objectKindLabel(ObjectKind kind);

struct ObjectProblem {
  ObjectKind kind = ObjectKind::HttpRouter;
  std::string name;  // qualified: name@provider
  std::string message;
  // Critical: the object was left out of the snapshot (status "disabled"). Otherwise it is in
  // force with a caveat (status "warning"), as Traefik's non-critical errors.
  bool critical = true;
};

struct BuildReport {
  std::vector<std::string> errors;    // one line per disabled object, naming it
  std::vector<std::string> warnings;  // ties and other non-fatal findings
  std::vector<ObjectProblem> problems;

  // The object is left out: logs "<kind> <name>: <message>" as an error and records it.
  void error(ObjectKind kind, const std::string& name, const std::string& message);
  // The object stays in force: logs "<kind> <name>: <message>" as a warning and records it.
  void warning(ObjectKind kind, const std::string& name, const std::string& message);
  // Records a problem without a log line of its own (when one line names several objects).
  void attach(ObjectKind kind, const std::string& name, const std::string& message, bool critical);

  // The messages recorded for one object, in order, without duplicates; `critical` is set
  // when any of them is.
  std::vector<std::string> messagesFor(ObjectKind kind, const std::string& name,
                                       bool* critical = nullptr) const;
};

}  // namespace pier::control

// Error: what went wrong, where it came from, and whether a retry may help.
// Cheap to move; `message` is filled on control-plane paths and for user-facing errors.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace pier {

enum class ErrorSource : std::uint8_t {
  Downstream,   // the client sent something wrong
  Upstream,     // the backend failed
  Internal,     // our own bug or resource exhaustion
  Config,       // configuration the user wrote
  Environment,  // the OS, files, sockets
};

struct Error {
  ErrorSource source = ErrorSource::Internal;
  std::string message;
  bool retryable = false;

  static Error config(std::string msg) { return Error{ErrorSource::Config, std::move(msg), false}; }
  static Error downstream(std::string msg) {
    return Error{ErrorSource::Downstream, std::move(msg), false};
  }
  static Error upstream(std::string msg, bool retry = false) {
    return Error{ErrorSource::Upstream, std::move(msg), retry};
  }
  static Error environment(std::string msg) {
    return Error{ErrorSource::Environment, std::move(msg), false};
  }
  static Error internal(std::string msg) {
    return Error{ErrorSource::Internal, std::move(msg), false};
  }
};

}  // namespace pier

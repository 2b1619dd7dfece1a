// The JSON route fields the writer renders once per route (JsonLineMemo), kept between
// access-log lines to make the next one cheaper.
//
// Why a memo of the route fields: a shard's lines mostly name a few routes, and the router,
// service and server fields, escaped and keyed, are a quarter of a line. The proxy says which
// configuration objects the values come from (RouteIdentity): comparing those four words is
// cheaper than comparing the strings. Without an identity the values themselves are compared.
// Either way a piece can never be stale: a new route, or a new configuration generation,
// renders again. MemoPiece also serves a shard's route slots (access_log_record.h).
// Thread: the access-log writer (one memo per shard).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "observability/access_log.h"

namespace pier::observability {

// A rendered piece of a line and the values it was rendered from. When the caller knows where
// the values come from (`Identity`, see RouteIdentity), a piece is found by that alone and the
// values are not read; otherwise they are compared.
template <std::size_t N, typename Identity>
class MemoPiece {
 public:
  using Inputs = std::array<std::string_view, N>;

  bool matches(const Identity& identity, const Inputs& inputs) const {
    if (!valid_) {
      return false;
    }
    if (identity.known()) {
      return identity == identity_;
    }
    if (identity_.known()) {
      return false;  // stored by identity only: its inputs were not kept
    }
    for (std::size_t i = 0; i < N; ++i) {
      if (inputs[i] != inputs_[i]) {
        return false;
      }
    }
    return true;
  }
  void store(const Identity& identity, const Inputs& inputs, std::string_view text) {
    identity_ = identity;
    if (!identity.known()) {
      for (std::size_t i = 0; i < N; ++i) {
        inputs_[i].assign(inputs[i]);
      }
    }
    text_.assign(text);
    valid_ = true;
  }
  std::string_view text() const { return text_; }

 private:
  Identity identity_;
  bool valid_ = false;
  std::string text_;
  std::array<std::string, N> inputs_;
};

// The route fields (RouterName .. ServiceAddr) of the last few routes a worker logged, from
// router, service, server URL and server address (access_log_json.cc renders them), found by
// the route's identity when the proxy gives one.
class JsonLineMemo {
 public:
  static constexpr std::size_t kRoutes = 4;
  using RoutePiece = MemoPiece<4, RouteIdentity>;

  // The piece rendered from `inputs`, or nullptr.
  const RoutePiece* findRoute(const RouteIdentity& identity,
                              const RoutePiece::Inputs& inputs) const {
    for (const RoutePiece& piece : routes_) {
      if (piece.matches(identity, inputs)) {
        return &piece;
      }
    }
    return nullptr;
  }
  // The piece to overwrite with a new route (the oldest one).
  RoutePiece& nextRoute() {
    RoutePiece& piece = routes_[next_];
    next_ = (next_ + 1) % kRoutes;
    return piece;
  }

 private:
  std::array<RoutePiece, kRoutes> routes_;
  std::size_t next_ = 0;
};

}  // namespace pier::observability

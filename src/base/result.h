// Result<T>: a value or an Error. tl::expected today; std::expected once the toolchain has it.
#pragma once

#include <tl/expected.hpp>

#include "base/error.h"

namespace pier {

template <typename T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(Error e) {
  return tl::unexpected<Error>(std::move(e));
}

}  // namespace pier

// Propagates the error of a Result-returning expression; evaluates to nothing on success.
#define PIER_TRY_VOID(expr)                     \
  do {                                          \
    auto pier_try_r_ = (expr);                  \
    if (!pier_try_r_) {                         \
      return ::pier::fail(pier_try_r_.error()); \
    }                                           \
  } while (false)

"""Helpers shared by the test_middlewares_*.py files: one router `r` on PathPrefix(`/`) (unless
given) with the listed middlewares in front of the echo backend."""

from __future__ import annotations

from typing import Optional

import harness
from harness import lb, router


def start(pier_factory, backend, middlewares: dict, use: Optional[list[str]] = None, rule: str = "PathPrefix(`/`)",
          extra_routers: Optional[dict] = None, static=None):
    routers = {"r": router(rule, "s", middlewares=use if use is not None else list(middlewares))}
    routers.update(extra_routers or {})
    return pier_factory(static=static, dynamic=harness.dynamic(routers, {"s": lb(backend)}, middlewares))

"""Fixtures shared by the Docker engine tests in this directory (helpers live in dockerlib.py).

`engine` (session): DOCKER_HOST of a working engine on the default socket — reused when one
answers, otherwise dockerd is started here and stopped by PID at the end (see dockerlib).
test_docker_engine.py keeps its own module-scoped `engine`, which overrides this one there.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dockerlib  # noqa: E402

# harness.Pier's probe backend: the static backend works as well when only that one is given.
if not os.environ.get("PIER_BACKEND_BIN") and os.environ.get("PIER_BACKEND_STATIC_BIN"):
    os.environ["PIER_BACKEND_BIN"] = os.environ["PIER_BACKEND_STATIC_BIN"]


@pytest.fixture(scope="session")
def engine():
    with dockerlib.default_engine() as host:
        if host is None:
            pytest.skip("*** NO DOCKER ENGINE (see the output above) ***")
        yield host

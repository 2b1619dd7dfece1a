#!/usr/bin/env python3
"""Fails when a module includes a module it may not depend on (docs/design.md, dependency
direction). The data path must never include the control side."""
import pathlib
import re
import sys

ALLOWED = {
    "base": set(),
    "core": {"base"},
    "config": {"base"},
    "http": {"base"},
    # Byte-level protocol pieces read before any session exists (ClientHello peek, PROXY).
    "net": {"base"},
    # wolfSSL wrappers; reads TLS settings from the dynamic model headers only.
    "tls": {"base", "config"},
    "routing": {"base", "http"},
    # Request/response transformers; options arrive as the model's config::Node.
    "middleware": {"base", "http", "config", "routing", "tls"},
    "runtime": {"base", "http", "routing", "tls", "middleware"},
    "observability": {"base", "core", "http", "routing", "runtime"},
    "proxy": {"base", "core", "http", "net", "routing", "runtime", "tls", "middleware", "observability"},
    "providers": {"base", "config", "routing", "http", "tls"},
    # Active health checks: probes over providers' CurlMulti on a thread of their own
    # (core::Worker); writes the runtime's ServerHealth flags.
    "health": {"base", "core", "runtime", "providers"},
    "control": {"base", "config", "routing", "runtime", "http", "tls", "middleware",
                "observability"},
    "app": None,  # may include anything
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/')


def main() -> int:
    root = pathlib.Path(__file__).resolve().parent.parent / "src"
    bad = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".h", ".cc"):
            continue
        module = path.relative_to(root).parts[0]
        allowed = ALLOWED.get(module, set())
        if allowed is None:
            continue
        for lineno, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            m = INCLUDE.match(line)
            if m and m.group(1) != module and m.group(1) not in allowed:
                bad.append(f"{path.relative_to(root.parent)}:{lineno}: {module} may not include {m.group(1)}/")
    for b in bad:
        print(b)
    print(f"layer check: {len(bad)} violation(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

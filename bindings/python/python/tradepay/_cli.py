"""The ``tradepay-sandbox`` command that ``pip install tradepay`` puts on PATH: the same
flags and first JSON line as the Rust binary, which it runs in this process."""

from __future__ import annotations

import sys

from . import _native


def main() -> None:
    """Serve the sandbox gateway until SIGINT or SIGTERM; ``--help`` lists the flags."""
    sys.exit(_native._sandbox_cli(sys.argv[1:]))


if __name__ == "__main__":
    main()

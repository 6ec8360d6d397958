"""The examples run as a user would run them."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_quickstart_runs() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "python" / "quickstart.py")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "quickstart: done" in out.stdout
    assert "none charged twice: True" in out.stdout

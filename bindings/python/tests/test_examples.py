"""The examples run as a user would run them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT


def run_example(name: str) -> "subprocess.CompletedProcess[str]":
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "python" / name)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return out


def test_quickstart_runs() -> None:
    out = run_example("quickstart.py")
    assert "quickstart: done" in out.stdout
    assert "none charged twice: True" in out.stdout


def test_the_opentelemetry_example_turns_hooks_into_spans() -> None:
    out = run_example("otel.py")
    assert "otel: 2 calls, 3 attempts, the retry visible as its own span" in out.stdout


@pytest.mark.parametrize("app", ["flask_app", "fastapi_app", "django_app"])
def test_framework_app_receives_and_verifies_real_webhooks(app: str) -> None:
    # Each app serves its own webhook endpoint, pays against the sandbox with notify_url set
    # to it, and checks the real delivery, a replayed duplicate and a forgery.
    out = subprocess.run(
        [sys.executable, f"{app}.py"],
        cwd=ROOT / "examples" / "python" / "frameworks",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "dropped a duplicate, refused a forged delivery" in out.stdout, out.stdout

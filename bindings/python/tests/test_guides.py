"""The guides' Python code runs, and mypy --strict accepts it.

Every ```python block of a guide in docs/guides/, in order, is one program: what a reader who
copies the page top to bottom gets. The guides assert what they claim, so a guide whose
claims stop holding fails here.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from conftest import ROOT

GUIDES = sorted((ROOT / "docs" / "guides").glob("*.md"))
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def program(guide: Path) -> str:
    return "\n".join(BLOCK.findall(guide.read_text(encoding="utf-8")))


def test_there_are_guides_with_python_code() -> None:
    assert len(GUIDES) >= 5, GUIDES
    for guide in GUIDES:
        assert program(guide).strip(), f"{guide.name} has no python block"


@pytest.mark.parametrize("guide", GUIDES, ids=[g.stem for g in GUIDES])
def test_guide_runs(guide: Path, tmp_path: Path) -> None:
    script = tmp_path / f"{guide.stem}.py"
    script.write_text(program(guide), encoding="utf-8")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, f"{guide.name}:\n{out.stdout}\n{out.stderr}"


def test_guides_type_check(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    scripts: List[str] = []
    for guide in GUIDES:
        script = tmp_path / f"guide_{guide.stem.replace('-', '_')}.py"
        script.write_text(program(guide), encoding="utf-8")
        scripts.append(str(script))
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *scripts],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr

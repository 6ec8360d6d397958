"""tests/vectors/api_errors.json through the Python API: each bad call raises the class,
code and message the Rust and Node suites check for the same input."""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest

import tradepay
from conftest import VECTORS

CASES = json.loads((VECTORS / "api_errors.json").read_text(encoding="utf-8"))["cases"]
METHOD_CASES = [c for c in CASES if "method" in c]
CLIENT_CASES = [c for c in CASES if "client" in c and "python" in c["client"]]
WITH_OPTIONS_CASES = [c for c in CASES if "with_options" in c]


@pytest.fixture(scope="module")
def offline() -> Iterator[tradepay.Client]:
    # A closed port and no retries: a call that wrongly passes validation fails at once
    # with a NetworkError instead of the expected error.
    with tradepay.Client(base_url="http://127.0.0.1:9", access_no="acc_1", secret="s", max_retries=0) as c:
        yield c


def shown(e: BaseException) -> dict[str, Any]:
    return {"class": type(e).__name__, "code": getattr(e, "code", None), "message": getattr(e, "message", str(e))}


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize("case", METHOD_CASES, ids=lambda c: c["name"])
def test_a_bad_call_raises_the_shared_error(offline: tradepay.Client, case: dict[str, Any]) -> None:
    client = offline
    if case.get("closed"):
        client = tradepay.Client(base_url="http://127.0.0.1:9", access_no="acc_1", secret="s")
        client.close()
    method = getattr(client, case["method"])
    # A call's own options (wait_final's timeout, micropay's deadline) are spelt per language.
    options = case.get("options", {}).get("python", {})
    expected = case["error"] if "class" in case["error"] else case["error"]["python"]
    with pytest.raises(Exception) as info:
        method(**case["params"], **options)
    assert shown(info.value) == expected


@pytest.mark.parametrize("case", CLIENT_CASES, ids=lambda c: c["name"])
def test_bad_client_options_raise_the_shared_error(case: dict[str, Any]) -> None:
    expected = case["error"] if "class" in case["error"] else case["error"]["python"]
    with pytest.raises(Exception) as info:
        tradepay.Client(**case["client"]["python"]).close()
    assert shown(info.value) == expected


@pytest.mark.parametrize("case", WITH_OPTIONS_CASES, ids=lambda c: c["name"])
def test_bad_call_options_raise_the_shared_error(offline: tradepay.Client, case: dict[str, Any]) -> None:
    with pytest.raises(Exception) as info:
        offline.with_options(**case["with_options"]["python"])
    assert shown(info.value) == case["error"]["python"]

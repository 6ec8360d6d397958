"""ca_cert and tls_roots end to end: the sandbox command serving HTTPS with the committed test
PKI (tests/fixtures/tls), reached with the test CA, and refused without it."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Iterator

import pytest

import tradepay
from conftest import CARD_OK, RETURN_URL, ROOT, new_id

TLS = ROOT / "tests" / "fixtures" / "tls"


@pytest.fixture(scope="module")
def https_sandbox() -> Iterator[dict[str, str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tradepay._cli", "--tls-cert", str(TLS / "server.pem"), "--tls-key", str(TLS / "server.key")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else "no output"
        info = json.loads(line)
        assert info["url"].startswith("https://127.0.0.1:"), info
        yield info
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def client(info: dict[str, str], **options: object) -> tradepay.Client:
    return tradepay.Client(
        base_url=info["url"], access_no=info["access_no"], secret=info["secret"], max_retries=0, **options  # type: ignore[arg-type]
    )


def test_the_gateways_ca_is_trusted_with_ca_cert(https_sandbox: dict[str, str]) -> None:
    with client(https_sandbox, ca_cert=(TLS / "ca.pem").read_text()) as c:
        trade = c.pay(
            merchant_id="m_1", order_id=new_id(), amount="1.00", currency="USD", payment_method="card",
            return_url=RETURN_URL, payment_method_data=CARD_OK,
        )
        assert trade.status == tradepay.Status.SUCCESS


@pytest.mark.parametrize(
    "options",
    [{}, {"tls_roots": "native"}, {"ca_cert": (TLS / "other-ca.pem").read_text()}],
    ids=["bundled roots", "system store", "another CA"],
)
def test_an_unknown_ca_is_refused_and_nothing_is_sent(https_sandbox: dict[str, str], options: dict[str, str]) -> None:
    with client(https_sandbox, **options) as c:
        with pytest.raises(tradepay.NetworkError) as info:
            c.query(merchant_id="m_1", order_id=new_id())
        assert not info.value.outcome_unknown

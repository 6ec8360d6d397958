from __future__ import annotations

import os
import pathlib
import signal
import uuid
from typing import Iterator

import pytest

import tradepay

ROOT = pathlib.Path(__file__).resolve().parents[3]
VECTORS = ROOT / "tests" / "vectors"
CARD_OK = {"card": {"number": "4242424242424242", "exp_month": "12", "exp_year": "2030", "cvc": "123"}}
CARD_DECLINED = {"card": {"number": "4000000000000002", "exp_month": "12", "exp_year": "2030", "cvc": "123"}}
CARD_3DS = {"card": {"number": "4000000000003220", "exp_month": "12", "exp_year": "2030", "cvc": "123"}}
RETURN_URL = "https://shop.example/back"


# A shell starts a background job (`cmd &` without job control, as CI runners often do) with
# SIGINT ignored, and Python then installs no KeyboardInterrupt handler: the Ctrl-C tests
# would see nothing. Restore what a program run from a terminal has.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# The same for the programs the tests start.
RESTORE_CTRL_C = "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n"


def new_id(prefix: str = "o") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


@pytest.fixture(scope="session")
def sandbox() -> Iterator[tradepay.Sandbox]:
    with tradepay.Sandbox() as sb:
        yield sb


@pytest.fixture(autouse=True)
def _no_faults_left(sandbox: tradepay.Sandbox) -> Iterator[None]:
    yield
    if not sandbox.closed and os.getpid() == _PID:
        sandbox.clear_faults()


_PID = os.getpid()


@pytest.fixture
def client(sandbox: tradepay.Sandbox) -> Iterator[tradepay.Client]:
    with tradepay.Client(base_url=sandbox.url, access_no=sandbox.access_no, secret=sandbox.secret) as c:
        yield c


def make_async(sandbox: tradepay.Sandbox, **options: object) -> tradepay.AsyncClient:
    return tradepay.AsyncClient(
        base_url=sandbox.url, access_no=sandbox.access_no, secret=sandbox.secret, **options  # type: ignore[arg-type]
    )


def pay_card(client: tradepay.Client, card: dict = CARD_OK, **kw: object) -> tradepay.Trade:
    args: dict = dict(
        merchant_id="m_1",
        order_id=new_id(),
        amount="10.00",
        currency="USD",
        payment_method="card",
        return_url=RETURN_URL,
        payment_method_data=card,
    )
    args.update(kw)
    return client.pay(**args)


@pytest.fixture
def log_records() -> Iterator[list]:
    """What the core logs under `tradepay` while the test runs, from DEBUG up."""
    import logging

    from tradepay import _native

    records: list = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("tradepay")
    handler = Collect()
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    _native._sync_log_level()
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
        _native._sync_log_level()

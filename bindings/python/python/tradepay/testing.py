"""pytest fixtures for code that uses tradepay, served by the embedded sandbox gateway.

``pip install tradepay`` registers this module as a pytest plugin (entry point
``pytest11``), so a project's tests can ask for the fixtures without any conftest.py::

    def test_checkout(tradepay_client):
        trade = tradepay_client.pay(merchant_id="m_1", order_id="o_1", ...)

One sandbox serves the whole session (starting one costs a few milliseconds, but its port
and secrets stay the same); ``tradepay_sandbox`` resets it before each test, so no test sees
another's orders, refunds, deliveries, faults or clock. Override the fixture
``tradepay_sandbox_options`` (a dict of ``Sandbox`` keyword arguments: ``seed``,
``access_no``, ``secret``, ``webhook_secret``, ``port``) to start it differently.
"""

from __future__ import annotations

from typing import Any, Dict, Iterator

import pytest

from ._native import AsyncClient, Client, Sandbox

__all__ = [
    "tradepay_sandbox_options",
    "tradepay_sandbox",
    "tradepay_client",
    "tradepay_async_client",
]


@pytest.fixture(scope="session")
def tradepay_sandbox_options() -> Dict[str, Any]:
    """Keyword arguments of the session's ``tradepay.Sandbox``; override to change them."""
    return {}


@pytest.fixture(scope="session")
def _tradepay_session_sandbox(tradepay_sandbox_options: Dict[str, Any]) -> Iterator[Sandbox]:
    with Sandbox(**tradepay_sandbox_options) as sandbox:
        yield sandbox


@pytest.fixture
def tradepay_sandbox(_tradepay_session_sandbox: Sandbox) -> Sandbox:
    """The session's sandbox gateway, reset for this test (no orders, refunds, deliveries
    or faults; the clock at now). ``.url``, ``.access_no``, ``.secret`` and
    ``.webhook_secret`` configure a client or a webhook endpoint."""
    _tradepay_session_sandbox.reset()
    return _tradepay_session_sandbox


@pytest.fixture
def tradepay_client(tradepay_sandbox: Sandbox) -> Iterator[Client]:
    """A ``tradepay.Client`` of ``tradepay_sandbox``, closed after the test."""
    with Client(
        base_url=tradepay_sandbox.url,
        access_no=tradepay_sandbox.access_no,
        secret=tradepay_sandbox.secret,
    ) as client:
        yield client


@pytest.fixture
def tradepay_async_client(tradepay_sandbox: Sandbox) -> Iterator[AsyncClient]:
    """A ``tradepay.AsyncClient`` of ``tradepay_sandbox``, closed after the test; usable from
    any event loop (pytest-asyncio, anyio, or ``asyncio.run`` in a plain test)."""
    client = AsyncClient(
        base_url=tradepay_sandbox.url,
        access_no=tradepay_sandbox.access_no,
        secret=tradepay_sandbox.secret,
    )
    try:
        yield client
    finally:
        client.close()

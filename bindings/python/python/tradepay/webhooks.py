"""Verifying the gateway's webhook deliveries (Standard Webhooks), and signing test ones."""

from __future__ import annotations

from typing import Dict, Iterable, Mapping, Optional, Sequence, Tuple, Union

from . import _native
from ._native import Event

__all__ = ["verify", "sign", "Event", "Body", "Headers", "Secret"]

Body = Union[bytes, bytearray, memoryview, str]
"""The raw request body: exactly the bytes received (a ``str`` is taken as UTF-8)."""
Headers = Union[
    Mapping[str, str],
    Mapping[bytes, bytes],
    Iterable[Tuple[str, str]],
    Iterable[Tuple[bytes, bytes]],
]
"""Any mapping of header names to values, or (name, value) pairs; str or bytes."""
Secret = Union[str, Sequence[str]]
"""One ``whsec_...`` secret, or several during a rotation."""


def verify(
    body: Body,
    headers: Headers,
    secret: Secret,
    tolerance: Optional[float] = None,
    *,
    now: Optional[int] = None,
) -> Event:
    """Checks a delivery's signature and timestamp and returns its event.

    ``body`` must be the raw bytes received (a ``str`` is taken as its UTF-8 encoding):
    Flask ``request.get_data()``, Django ``request.body``, Starlette/FastAPI
    ``await request.body()``. ``headers`` is any mapping of the request's headers
    (``request.headers`` of each of them, ``http.server``'s ``self.headers``) or a list of
    (name, value) pairs, looked up case-insensitively. ``secret`` is the ``whsec_...``
    webhook secret, or a list of them while rotating (any one verifies). ``tolerance`` is
    how many seconds the timestamp may be off either way (when omitted, the core's
    default); ``now`` (Unix seconds) replaces the system clock, for tests and replays.

    Raises ``WebhookVerificationError`` for a delivery that does not verify or that cannot
    be read, and ``ValidationError`` for a secret or tolerance that is not one.
    """
    return _native.verify_webhook(body, headers, secret, tolerance, now)


def sign(
    body: Body,
    secret: str,
    *,
    id: Optional[str] = None,
    timestamp: Optional[int] = None,
) -> Dict[str, str]:
    """Signs ``body`` as the gateway signs a delivery and returns its three headers
    (``webhook-id``, ``webhook-timestamp``, ``webhook-signature``), for testing a handler.

    ``id`` defaults to a fresh ``msg_...`` and ``timestamp`` (Unix seconds) to now. The
    deliveries verify with :func:`verify` and with any Standard Webhooks library.
    """
    return _native.sign_webhook(body, secret, id, timestamp)

"""Verifying the gateway's webhook deliveries (Standard Webhooks)."""

from __future__ import annotations

from typing import Mapping, Optional, Union

from . import _native
from ._native import Event

__all__ = ["verify", "Event"]


def verify(
    body: Union[bytes, str],
    headers: Mapping[str, str],
    secret: str,
    tolerance: Optional[float] = None,
    *,
    now: Optional[int] = None,
) -> Event:
    """Checks a delivery's signature and timestamp and returns its event.

    ``body`` must be the raw bytes received (a ``str`` is encoded as UTF-8); ``headers`` any
    mapping of the request's headers, looked up case-insensitively; ``secret`` the
    ``whsec_...`` webhook secret; ``tolerance`` how many seconds the timestamp may be off
    either way (when omitted, the core's default tolerance); ``now`` (Unix seconds) replaces the system clock, for tests and replays.
    Raises ``WebhookVerificationError``.
    """
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    pairs = [(str(k), str(v)) for k, v in headers.items()]
    return _native.verify_webhook(raw, pairs, secret, tolerance, now)

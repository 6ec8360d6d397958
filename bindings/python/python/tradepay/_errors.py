"""The exceptions every call may raise.

They are built by one function of the native module from the Rust core's error, so the
class, code and ``outcome_unknown`` of an error are decided once, in Rust.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from ._native import Trade

__all__ = [
    "TradepayError",
    "ValidationError",
    "ApiError",
    "AuthenticationError",
    "InvalidRequestError",
    "BusinessError",
    "GatewayError",
    "NetworkError",
    "TimeoutError",
    "SignatureError",
    "ProtocolError",
    "WebhookVerificationError",
]


class TradepayError(Exception):
    """Base class of every error this package raises.

    ``outcome_unknown`` is true when the request may have been processed by the gateway (a
    timeout, a connection lost after sending, code 90000002): query the order before trying
    anything that could charge twice.
    """

    message: str
    code: Optional[str]
    trace_id: Optional[str]
    http_status: Optional[int]
    field: Optional[str]
    attempts: Optional[int]
    outcome_unknown: bool
    trade: Optional["Trade"]

    def __init__(
        self,
        message: str,
        *,
        code: Optional[str] = None,
        trace_id: Optional[str] = None,
        http_status: Optional[int] = None,
        field: Optional[str] = None,
        attempts: Optional[int] = None,
        outcome_unknown: bool = False,
        trade: Optional["Trade"] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.trace_id = trace_id
        self.http_status = http_status
        self.field = field
        self.attempts = attempts
        self.outcome_unknown = outcome_unknown
        self.trade = trade

    def __str__(self) -> str:
        text = self.message
        if self.field and not text.startswith(self.field):
            text = f"{self.field}: {text}"
        if self.code:
            text = f"[{self.code}] {text}"
        extra = []
        if self.http_status is not None:
            extra.append(f"http_status={self.http_status}")
        if self.trace_id:
            extra.append(f"trace_id={self.trace_id}")
        if self.outcome_unknown:
            extra.append("outcome unknown")
        if extra:
            text = f"{text} ({', '.join(extra)})"
        return text

    def __repr__(self) -> str:
        fields: list[str] = [repr(self.message)]
        for name in ("code", "trace_id", "http_status", "field"):
            value: Any = getattr(self, name)
            if value is not None:
                fields.append(f"{name}={value!r}")
        if self.outcome_unknown:
            fields.append("outcome_unknown=True")
        return f"{type(self).__name__}({', '.join(fields)})"

    def __reduce__(self) -> Any:
        # Keyword-only arguments do not survive the default reduce; the state dict does.
        return (_rebuild, (type(self), self.message), self.__dict__.copy())


def _rebuild(cls: "type[TradepayError]", message: str) -> TradepayError:
    return cls(message)


class ValidationError(TradepayError):
    """A request broke a rule of the protocol; nothing was sent. ``field`` names it."""


class ApiError(TradepayError):
    """The gateway answered with an error code (``code``, ``message``, ``trace_id``)."""


class AuthenticationError(ApiError):
    """Codes 1000xxxx: credentials, signature, timestamp or nonce refused."""


class InvalidRequestError(ApiError):
    """Codes 2xxxxxxx: the gateway found the request malformed."""


class BusinessError(ApiError):
    """Codes 3xxxxxxx: not found, idempotency conflict, state, refund limit, token."""


class GatewayError(ApiError):
    """Codes 9xxxxxxx, or HTTP 429/502/503/504 that outlived the retries."""


class NetworkError(TradepayError):
    """The connection failed; ``outcome_unknown`` says whether the request had been sent."""


class TimeoutError(TradepayError, builtins.TimeoutError):
    """A timeout or deadline passed; the outcome is unknown. ``wait_final`` sets ``trade``."""


class SignatureError(TradepayError):
    """A response was unsigned or wrongly signed; its data was not trusted."""


class ProtocolError(TradepayError):
    """A response was not what the protocol says (bad envelope, oversize body, status)."""


class WebhookVerificationError(TradepayError):
    """A webhook delivery failed verification (signature, timestamp, headers or body)."""

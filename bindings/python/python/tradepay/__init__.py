"""tradepay: the client SDK of the tradepay payment gateway.

Everything is done by the Rust core (validation, signing, retries, deadlines, flows); this
package converts Python values and errors. See ``Client``, ``AsyncClient``, ``Sandbox`` and
``webhooks.verify``.
"""

from __future__ import annotations

import atexit as _atexit
import os as _os

from . import _native, webhooks
from ._enums import (
    EventType,
    NextActionType,
    PaymentMethod,
    PaymentMode,
    RefundStatus,
    Status,
    TradeStatus,
)
from ._errors import (
    ApiError,
    AuthenticationError,
    BusinessError,
    GatewayError,
    InvalidRequestError,
    NetworkError,
    ProtocolError,
    SignatureError,
    TimeoutError,
    TradepayError,
    ValidationError,
    WebhookVerificationError,
)
from ._native import (
    AsyncClient,
    Client,
    Event,
    NextAction,
    NextActionRedirect,
    PaymentError,
    Refund,
    ResponseInfo,
    Sandbox,
    Trade,
    __version__,
)

__all__ = [
    "Client",
    "AsyncClient",
    "Sandbox",
    "Trade",
    "Refund",
    "Event",
    "PaymentError",
    "NextAction",
    "NextActionRedirect",
    "ResponseInfo",
    "Status",
    "TradeStatus",
    "RefundStatus",
    "PaymentMode",
    "PaymentMethod",
    "NextActionType",
    "EventType",
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
    "webhooks",
    "__version__",
]

# A forked child inherits the Rust thread-local CSPRNG as an exact copy; reseed it at once so
# the child never draws the parent's nonces.
if hasattr(_os, "register_at_fork"):
    _os.register_at_fork(after_in_child=_native._after_fork_in_child)

# A micropay cancelled after its PAY went out is reversed in the background; when the
# cancellation is a Ctrl-C that ends the program, the interpreter waits for that reversal
# (at most the core's budget) instead of taking it down unfinished.
_atexit.register(_native._wait_background)

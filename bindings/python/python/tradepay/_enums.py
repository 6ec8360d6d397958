"""The protocol's enumerations as ``str`` subclasses.

A known value comes back as a member (``tradepay.Status.SUCCESS == "SUCCESS"``); a value
this version does not know comes back as a plain ``str``, never rejected. The members are
the values the Rust core knows; a test checks that both lists agree.
"""

from __future__ import annotations

import enum

__all__ = [
    "Status",
    "TradeStatus",
    "RefundStatus",
    "PaymentMode",
    "PaymentMethod",
    "NextActionType",
    "EventType",
]


class _StrEnum(str, enum.Enum):
    # Printing and formatting give the wire value, as a plain str would (on every version:
    # 3.11 changed what a str-mixin Enum's format() returns).
    def __str__(self) -> str:
        return str.__str__(self)

    def __format__(self, spec: str) -> str:
        return str.__format__(str.__str__(self), spec)


class Status(_StrEnum):
    """``status`` of an order or refund."""

    PENDING = "PENDING"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    CLOSED = "CLOSED"


class TradeStatus(_StrEnum):
    """``trade_status``: where the payment stands."""

    REQUIRES_PAYMENT_METHOD = "requires_payment_method"
    REQUIRES_ACTION = "requires_action"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"


class RefundStatus(_StrEnum):
    """``refund_status`` of an order."""

    NO_REFUND = "no_refund"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


class PaymentMode(_StrEnum):
    """``payment_mode`` of a card payment."""

    SUBSCRIPTION = "subscription"
    RECURRING_PAYMENT = "recurring_payment"


class PaymentMethod(_StrEnum):
    """``payment_method``."""

    CARD = "card"
    QR = "qr"
    MICROPAY = "micropay"


class NextActionType(_StrEnum):
    """``next_action.type``."""

    REDIRECT = "redirect"


class EventType(_StrEnum):
    """The ``type`` of a webhook event."""

    TRADE_SUCCEEDED = "trade.succeeded"
    TRADE_FAILED = "trade.failed"
    TRADE_CLOSED = "trade.closed"
    REFUND_SUCCEEDED = "refund.succeeded"
    REFUND_FAILED = "refund.failed"

# Template of _native.pyi: `cargo xtask codegen` fills the marked parts from the core's description.
from decimal import Decimal
from types import TracebackType
from typing import Any, Awaitable, Dict, List, Mapping, Optional, Sequence, Tuple, Union, final

from typing_extensions import Self

from ._enums import (
    EventType,
    NextActionType,
    PaymentMethod,
    PaymentMode,
    RefundStatus,
    Status,
    TradeStatus,
)

__all__ = [
    "__version__",
    "Client",
    "AsyncClient",
    "Sandbox",
    "Trade",
    "Refund",
    "Event",
    "PaymentError",
    "NextAction",
    "NextActionRedirect",
    "verify_webhook",
    "_event_from_dict",
    "_known_values",
    "_sync_log_level",
    "_after_fork_in_child",
    "_wait_background",
    "_sandbox_cli",
]

__version__: str

_AmountLike = Union[str, Decimal, int]

# @generated models

@final
class Client:
# @generated client_options
    def pay(
        self,
        *,
        merchant_id: str,
        order_id: str,
        amount: _AmountLike,
        currency: str,
        payment_method: str,
        return_url: Optional[str] = None,
        payment_method_data: Optional[Mapping[str, Mapping[str, str]]] = None,
        customer_id: Optional[str] = None,
        metadata: Optional[Mapping[str, str]] = None,
        notify_url: Optional[str] = None,
        payment_mode: Optional[str] = None,
        payment_token: Optional[str] = None,
    ) -> Trade: ...
    def query(
        self, *, merchant_id: str, trade_id: Optional[str] = None, order_id: Optional[str] = None
    ) -> Trade: ...
    def refund(
        self,
        *,
        merchant_id: str,
        refund_id: str,
        amount: _AmountLike,
        trade_id: Optional[str] = None,
        order_id: Optional[str] = None,
        reason: Optional[str] = None,
        notify_url: Optional[str] = None,
    ) -> Refund: ...
    def refund_query(self, *, merchant_id: str, refund_id: str) -> Refund: ...
    def reverse(
        self, *, merchant_id: str, trade_id: Optional[str] = None, order_id: Optional[str] = None
    ) -> Trade: ...
    def close_order(
        self, *, merchant_id: str, trade_id: Optional[str] = None, order_id: Optional[str] = None
    ) -> Trade: ...
    def wait_final(
        self,
        *,
        merchant_id: str,
        trade_id: Optional[str] = None,
        order_id: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> Trade: ...
    def micropay(
        self,
        *,
        merchant_id: str,
        order_id: str,
        amount: _AmountLike,
        currency: str,
        auth_code: str,
        deadline: Optional[float] = None,
        customer_id: Optional[str] = None,
        metadata: Optional[Mapping[str, str]] = None,
        notify_url: Optional[str] = None,
    ) -> Trade: ...
    def close(self) -> None: ...
    @property
    def base_url(self) -> str: ...
    @property
    def access_no(self) -> str: ...
    @property
    def closed(self) -> bool: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, *args: object) -> bool: ...

@final
class AsyncClient:
# @generated client_options
    def pay(
        self,
        *,
        merchant_id: str,
        order_id: str,
        amount: _AmountLike,
        currency: str,
        payment_method: str,
        return_url: Optional[str] = None,
        payment_method_data: Optional[Mapping[str, Mapping[str, str]]] = None,
        customer_id: Optional[str] = None,
        metadata: Optional[Mapping[str, str]] = None,
        notify_url: Optional[str] = None,
        payment_mode: Optional[str] = None,
        payment_token: Optional[str] = None,
    ) -> Awaitable[Trade]: ...
    def query(
        self, *, merchant_id: str, trade_id: Optional[str] = None, order_id: Optional[str] = None
    ) -> Awaitable[Trade]: ...
    def refund(
        self,
        *,
        merchant_id: str,
        refund_id: str,
        amount: _AmountLike,
        trade_id: Optional[str] = None,
        order_id: Optional[str] = None,
        reason: Optional[str] = None,
        notify_url: Optional[str] = None,
    ) -> Awaitable[Refund]: ...
    def refund_query(self, *, merchant_id: str, refund_id: str) -> Awaitable[Refund]: ...
    def reverse(
        self, *, merchant_id: str, trade_id: Optional[str] = None, order_id: Optional[str] = None
    ) -> Awaitable[Trade]: ...
    def close_order(
        self, *, merchant_id: str, trade_id: Optional[str] = None, order_id: Optional[str] = None
    ) -> Awaitable[Trade]: ...
    def wait_final(
        self,
        *,
        merchant_id: str,
        trade_id: Optional[str] = None,
        order_id: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> Awaitable[Trade]: ...
    def micropay(
        self,
        *,
        merchant_id: str,
        order_id: str,
        amount: _AmountLike,
        currency: str,
        auth_code: str,
        deadline: Optional[float] = None,
        customer_id: Optional[str] = None,
        metadata: Optional[Mapping[str, str]] = None,
        notify_url: Optional[str] = None,
    ) -> Awaitable[Trade]: ...
    def close(self) -> None: ...
    def aclose(self) -> Awaitable[None]: ...
    @property
    def base_url(self) -> str: ...
    @property
    def access_no(self) -> str: ...
    @property
    def closed(self) -> bool: ...
    def __aenter__(self) -> Awaitable[Self]: ...
    def __aexit__(self, *args: object) -> Awaitable[bool]: ...

@final
class Sandbox:
    def __new__(
        cls,
        *,
        seed: int = 0,
        access_no: Optional[str] = None,
        secret: Optional[str] = None,
        webhook_secret: Optional[str] = None,
        port: int = 0,
    ) -> Self: ...
    @property
    def url(self) -> str: ...
    @property
    def access_no(self) -> str: ...
    @property
    def secret(self) -> str: ...
    @property
    def webhook_secret(self) -> str: ...
    @property
    def closed(self) -> bool: ...
    def complete(self, trade_id: str, outcome: str = "succeeded") -> Trade: ...
    def advance_clock(self, seconds: float) -> None: ...
    def set_faults(self, rules: Sequence[Mapping[str, Any]]) -> None: ...
    def clear_faults(self) -> None: ...
    def ledger(self) -> List[Dict[str, Any]]: ...
    def orders(self) -> List[Trade]: ...
    def refunds(self) -> List[Refund]: ...
    def webhook_deliveries(self) -> List[Dict[str, Any]]: ...
    def reset(self) -> None: ...
    def close(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, *args: object) -> bool: ...

def verify_webhook(
    body: bytes,
    headers: Sequence[Tuple[str, str]],
    secret: str,
    tolerance: Optional[float] = None,
    now: Optional[int] = None,
) -> Event: ...
def _event_from_dict(data: Mapping[str, Any]) -> Event: ...
def _known_values() -> Dict[str, List[str]]: ...
def _sync_log_level() -> None: ...
def _after_fork_in_child() -> None: ...
def _wait_background(timeout: Optional[float] = None) -> bool: ...
def _sandbox_cli(args: List[str]) -> int: ...

# Template of _native.pyi: `cargo xtask codegen` fills the marked parts from the core's description.
from decimal import Decimal
from types import TracebackType
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Literal, Mapping, Optional, Sequence, Tuple, TypedDict, Union, final

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
    "ResponseInfo",
    "verify_webhook",
    "sign_webhook",
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

class _AppName(TypedDict):
    name: str

class AppInfo(_AppName, total=False):
    """The `app_info` option: your application, named in the User-Agent (a plain dict)."""
    version: str
    url: str

# @generated hook_event

EventHooks = Mapping[str, Sequence[Callable[[HookEvent], object]]]
"""The `event_hooks` option: `{"request": [fn], "response": [fn]}`."""

# The journal's records are plain dicts at runtime; these TypedDicts exist only for type
# checkers (import them under `if TYPE_CHECKING:` from `tradepay._native`).
class JournalOwner(TypedDict):
    """The process that made (or is settling) a journaled operation."""
    pid: int
    instance: str
    host: str

class JournalEntry(TypedDict):
    """A money-moving call as the journal recorded it: identifiers and a digest, never card data."""
    id: str
    kind: Literal["PAY", "REFUND", "REVERSAL", "CLOSE"]
    merchant_id: str
    order_id: Optional[str]
    trade_id: Optional[str]
    refund_id: Optional[str]
    payment_method: Optional[str]
    amount: Optional[str]
    currency: Optional[str]
    digest: str
    created_at: int
    deadline: Optional[int]
    attempt_timestamps: List[int]
    owner: JournalOwner
    last_known: Optional[Dict[str, Any]]

class NotProcessed(TypedDict):
    """The gateway did not act on the operation and never will."""
    code: Optional[str]
    message: str

class Recovery(TypedDict):
    """What `recover()` made of one operation; `status` says which fields are set."""
    entry: JournalEntry
    status: Literal["settled", "in_doubt", "owned"]
    trade: Optional[Trade]
    refund: Optional[Refund]
    not_processed: Optional[NotProcessed]
    retry_at: Optional[int]
    reason: Optional[str]

@final
class Client:
# @generated client_options
# @generated with_options
    def pay(
        self,
        *,
# @generated params pay
    ) -> Trade: ...
    def query(
        self,
        *,
# @generated params order
    ) -> Trade: ...
    def refund(
        self,
        *,
# @generated params refund
    ) -> Refund: ...
    def refund_query(
        self,
        *,
# @generated params refund_query
    ) -> Refund: ...
    def reverse(
        self,
        *,
# @generated params order
    ) -> Trade: ...
    def close_order(
        self,
        *,
# @generated params order
    ) -> Trade: ...
    def wait_final(
        self,
        *,
# @generated params order
        timeout: Optional[float] = None,
    ) -> Trade: ...
    def micropay(
        self,
        *,
# @generated params micropay
        deadline: Optional[float] = None,
    ) -> Trade: ...
    def in_doubt(self) -> List[JournalEntry]: ...
    def recover(self) -> List[Recovery]: ...
    def webhook_seen(self, event: Union[Event, str]) -> bool: ...
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
# @generated with_options
    def pay(
        self,
        *,
# @generated params pay
    ) -> Awaitable[Trade]: ...
    def query(
        self,
        *,
# @generated params order
    ) -> Awaitable[Trade]: ...
    def refund(
        self,
        *,
# @generated params refund
    ) -> Awaitable[Refund]: ...
    def refund_query(
        self,
        *,
# @generated params refund_query
    ) -> Awaitable[Refund]: ...
    def reverse(
        self,
        *,
# @generated params order
    ) -> Awaitable[Trade]: ...
    def close_order(
        self,
        *,
# @generated params order
    ) -> Awaitable[Trade]: ...
    def wait_final(
        self,
        *,
# @generated params order
        timeout: Optional[float] = None,
    ) -> Awaitable[Trade]: ...
    def micropay(
        self,
        *,
# @generated params micropay
        deadline: Optional[float] = None,
    ) -> Awaitable[Trade]: ...
    def in_doubt(self) -> Awaitable[List[JournalEntry]]: ...
    def recover(self) -> Awaitable[List[Recovery]]: ...
    def webhook_seen(self, event: Union[Event, str]) -> Awaitable[bool]: ...
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
        timestamp_window: Optional[float] = None,
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
    body: Union[bytes, bytearray, memoryview, str],
    headers: Union[
        Mapping[str, str],
        Mapping[bytes, bytes],
        Iterable[Tuple[str, str]],
        Iterable[Tuple[bytes, bytes]],
    ],
    secret: Union[str, Sequence[str]],
    tolerance: Optional[float] = None,
    now: Optional[int] = None,
) -> Event: ...
def sign_webhook(
    body: Union[bytes, bytearray, memoryview, str],
    secret: str,
    id: Optional[str] = None,
    timestamp: Optional[int] = None,
) -> Dict[str, str]: ...
def _event_from_dict(data: Mapping[str, Any]) -> Event: ...
def _known_values() -> Dict[str, List[str]]: ...
def _sync_log_level() -> None: ...
def _after_fork_in_child() -> None: ...
def _wait_background(timeout: Optional[float] = None) -> bool: ...
def _sandbox_cli(args: List[str]) -> int: ...

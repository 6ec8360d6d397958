//! A description of the API as data: enums, result models, client options with their
//! defaults, and error classes.
//!
//! `cargo xtask codegen` reads it to write the typed surfaces of the bindings (`_enums.py`,
//! `_errors.py`, `_native.pyi`, `errors.js`, `index.d.ts`) and docs/reference.md, and the
//! bindings read it at run time, so each fact is written once.
//! Enum values are not restated here: they come from each enum's `KNOWN`. Model fields are
//! listed here (Rust has no reflection), and a test checks that they are exactly the wire
//! fields of the serde structs, so the list cannot drift from the types.

use std::time::Duration;

use crate::open_enum::{
    EventType, NextActionType, PaymentMethod, PaymentMode, RefundStatus, Status, TradeStatus,
    TransType,
};

/// An open enum of the protocol: a binding offers its known values and keeps any other.
#[derive(Debug, Clone)]
pub struct EnumDesc {
    /// The class / type name in every language.
    pub name: &'static str,
    /// One line of documentation.
    pub doc: &'static str,
    /// The wire values this version knows, in order.
    pub values: Vec<&'static str>,
}

fn values<T>(known: &'static [T], as_str: fn(&'static T) -> &'static str) -> Vec<&'static str> {
    known.iter().map(as_str).collect()
}

/// The enums every binding exposes, with the values of their `KNOWN`.
pub fn enums() -> Vec<EnumDesc> {
    vec![
        EnumDesc {
            name: "Status",
            doc: "`status` of an order or refund: PENDING, then SUCCESS, FAILED or (orders only) CLOSED.",
            values: values(Status::KNOWN, Status::as_str),
        },
        EnumDesc {
            name: "TradeStatus",
            doc: "`trade_status`: where the payment stands.",
            values: values(TradeStatus::KNOWN, TradeStatus::as_str),
        },
        EnumDesc {
            name: "RefundStatus",
            doc: "`refund_status`: how much of an order is refunded.",
            values: values(RefundStatus::KNOWN, RefundStatus::as_str),
        },
        EnumDesc {
            name: "PaymentMode",
            doc: "`payment_mode` of a card payment: `subscription` collects card data and returns `payment_token`; `recurring_payment` pays with it.",
            values: values(PaymentMode::KNOWN, PaymentMode::as_str),
        },
        EnumDesc {
            name: "PaymentMethod",
            doc: "`payment_method`: how the customer pays.",
            values: values(PaymentMethod::KNOWN, PaymentMethod::as_str),
        },
        EnumDesc {
            name: "NextActionType",
            doc: "`next_action.type`: the kind of action the customer must take.",
            values: values(NextActionType::KNOWN, NextActionType::as_str),
        },
        EnumDesc {
            name: "EventType",
            doc: "The `type` of a webhook event.",
            values: values(EventType::KNOWN, EventType::as_str),
        },
    ]
}

/// The operations of the protocol (`transType`), from [`TransType::KNOWN`].
pub fn trans_types() -> Vec<&'static str> {
    values(TransType::KNOWN, TransType::as_str)
}

/// The type of a model field, independent of the language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// A string (decimal amounts and RFC 3339 times included).
    Str,
    /// A boolean.
    Bool,
    /// One of [`enums`], by name; open to unknown values.
    Enum(&'static str),
    /// One of [`MODELS`], by name.
    Model(&'static str),
    /// A string-to-string map (metadata).
    StrMap,
    /// A webhook event's data: a Trade, a Refund, or raw JSON for an unknown type.
    EventData,
}

/// One field of a result model.
#[derive(Debug, Clone, Copy)]
pub struct FieldDesc {
    /// The wire name (the same in every language).
    pub name: &'static str,
    /// Its type.
    pub ty: Ty,
    /// True when always present.
    pub required: bool,
    /// False for a value computed from the wire fields (a property, not serialized).
    pub wire: bool,
    /// One line of documentation.
    pub doc: &'static str,
}

/// A result model.
#[derive(Debug, Clone, Copy)]
pub struct ModelDesc {
    /// The class / interface name.
    pub name: &'static str,
    /// One line of documentation.
    pub doc: &'static str,
    /// Its fields, in wire order.
    pub fields: &'static [FieldDesc],
    /// Python offers `to_dict()`.
    pub to_dict: bool,
    /// Python offers `from_dict()` and pickling by `__reduce__`.
    pub from_dict: bool,
    /// Python pickles it by `__reduce__`.
    pub reduce: bool,
}

const fn f(name: &'static str, ty: Ty, doc: &'static str) -> FieldDesc {
    FieldDesc {
        name,
        ty,
        required: false,
        wire: true,
        doc,
    }
}
const fn req(name: &'static str, ty: Ty, doc: &'static str) -> FieldDesc {
    FieldDesc {
        name,
        ty,
        required: true,
        wire: true,
        doc,
    }
}
const fn computed(name: &'static str, ty: Ty, required: bool, doc: &'static str) -> FieldDesc {
    FieldDesc {
        name,
        ty,
        required,
        wire: false,
        doc,
    }
}

use Ty::{Bool, Enum, EventData as Data, Model, Str, StrMap};

/// The result models, in dependency order.
pub const MODELS: &[ModelDesc] = &[
    ModelDesc {
        name: "PaymentError",
        doc: "Why a payment failed (`last_payment_error`).",
        fields: &[
            f("code", Str, "Machine-readable reason, such as `card_declined`; absent when the gateway gave none."),
            f("message", Str, "Human-readable reason; absent when the gateway gave none."),
        ],
        to_dict: true,
        from_dict: false,
        reduce: false,
    },
    ModelDesc {
        name: "NextActionRedirect",
        doc: "Where a `redirect` next action sends the customer.",
        fields: &[f("url", Str, "The page the customer's browser opens (or the QR code's content).")],
        to_dict: false,
        from_dict: false,
        reduce: false,
    },
    ModelDesc {
        name: "NextAction",
        doc: "What the customer must do before the order can become final.",
        fields: &[
            req("type", Enum("NextActionType"), "The kind of action; `redirect` today."),
            f("redirect", Model("NextActionRedirect"), "Where the redirect sends the customer; set for `redirect`."),
            computed("redirect_url", Str, false, "`redirect.url`, when set."),
        ],
        to_dict: true,
        from_dict: false,
        reduce: false,
    },
    ModelDesc {
        name: "Trade",
        doc: "An order (protocol §5) with its `status`. Absent fields are not applicable.",
        fields: &[
            req("status", Enum("Status"), "`PENDING`, `SUCCESS`, `FAILED` or `CLOSED`. Always set."),
            f("trade_id", Str, "The gateway's transaction ID."),
            f("access_no", Str, "The access party the order belongs to."),
            f("merchant_id", Str, "The merchant the order belongs to."),
            f("order_id", Str, "The caller's order ID, unique per merchant."),
            f("amount", Str, "Two decimals."),
            f("currency", Str, "The ISO 4217 code (uppercase, such as `EUR`)."),
            f("customer_id", Str, "The caller's customer ID, as sent."),
            f("paid_at", Str, "When the payment succeeded, RFC 3339 UTC (`2026-11-21T22:18:46Z`); absent until it has."),
            f("metadata", StrMap, "The caller's metadata, as sent."),
            f("last_payment_error", Model("PaymentError"), "Why the payment failed; set when it failed."),
            f("next_action", Model("NextAction"), "What the customer must do; set while the customer must act, absent once the order is final."),
            f("last_trans_id", Str, "The gateway's ID of the latest transaction on the order."),
            f("payment_mode", Enum("PaymentMode"), "`subscription` or `recurring_payment`, for cards; absent for a one-off payment."),
            f("payment_token", Str, "The token of a subscription: returned by a successful `subscription` payment, it pays the renewals. It can charge the customer again: keep it secret."),
            f("payment_method", Enum("PaymentMethod"), "`card`, `qr` or `micropay`."),
            f("payment_channel", Str, "The channel that processed the payment."),
            f("return_url", Str, "Where the customer's browser returns after a redirect."),
            f("trade_status", Enum("TradeStatus"), "Where the payment stands. A CLOSED order keeps the value it had when closed."),
            f("txn_time", Str, "When the caller started the operation, RFC 3339 UTC."),
            f("created_at", Str, "When the gateway created the order, RFC 3339 UTC."),
            f("refund_status", Enum("RefundStatus"), "How much of the order is refunded."),
            f("total_refunded_amount", Str, "The sum of the successful refunds, two decimals (`0.00` if none)."),
            computed("redirect_url", Str, false, "`next_action.redirect.url`, when set."),
            computed("is_final", Bool, true, "True for SUCCESS, FAILED and CLOSED."),
        ],
        to_dict: true,
        from_dict: true,
        reduce: true,
    },
    ModelDesc {
        name: "Refund",
        doc: "A refund (protocol §6).",
        fields: &[
            req("status", Enum("Status"), "`PENDING`, `SUCCESS` or `FAILED`. Always set."),
            f("refund_id", Str, "The caller's refund ID, unique per merchant."),
            f("trade_id", Str, "The refunded order's transaction ID."),
            f("order_id", Str, "The refunded order's ID."),
            f("amount", Str, "The refunded amount, two decimals."),
            f("currency", Str, "The order's currency, an ISO 4217 code."),
            f("reason", Str, "The caller's reason, as sent."),
            f("created_at", Str, "When the refund was created, RFC 3339 UTC."),
            f("refunded_at", Str, "When the refund succeeded, RFC 3339 UTC; absent until it has."),
            computed("is_final", Bool, true, "True for SUCCESS and FAILED."),
        ],
        to_dict: true,
        from_dict: true,
        reduce: true,
    },
    ModelDesc {
        name: "Event",
        doc: "A verified webhook delivery.",
        fields: &[
            req("id", Str, "`webhook-id`: the same on every retry; drop duplicates by it."),
            req("type", Enum("EventType"), "`trade.succeeded`, …; the type of `data`."),
            req("timestamp", Str, "The body's RFC 3339 timestamp."),
            req("data", Data, "The order (`trade.*`) or refund (`refund.*`); raw JSON for an unknown type."),
            computed("trade", Model("Trade"), false, "`data` of a `trade.*` event; absent for any other."),
            computed("refund", Model("Refund"), false, "`data` of a `refund.*` event; absent for any other."),
        ],
        to_dict: true,
        from_dict: false,
        reduce: true,
    },
];

/// The type of a request parameter, independent of the language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamTy {
    /// A string.
    Str,
    /// An amount: a decimal string (Python also takes an int or a `Decimal`).
    Amount,
    /// One of [`enums`], by name.
    Enum(&'static str),
    /// A string-to-string map (metadata).
    StrMap,
    /// `payment_method_data`: the chosen method's entry (`card` or `micropay`).
    MethodData,
}

/// One parameter a caller may pass, under its wire name (the same in every language).
#[derive(Debug, Clone, Copy)]
pub struct ParamDesc {
    /// The wire name.
    pub name: &'static str,
    /// Its type.
    pub ty: ParamTy,
    /// One line of documentation.
    pub doc: &'static str,
}

const fn p(name: &'static str, ty: ParamTy, doc: &'static str) -> ParamDesc {
    ParamDesc { name, ty, doc }
}

/// Every request parameter, once: what [`OPERATIONS`] name by key.
pub const PARAMS: &[ParamDesc] = &[
    p("merchant_id", ParamTy::Str, "The merchant the order (or refund) belongs to."),
    p("order_id", ParamTy::Str, "The caller's order ID, unique per merchant: the idempotency key of a payment."),
    p("trade_id", ParamTy::Str, "The gateway's transaction ID of the order."),
    p("refund_id", ParamTy::Str, "The caller's refund ID, unique per merchant: the idempotency key of a refund."),
    p("amount", ParamTy::Amount, "The amount, at most two decimals (`\"10.50\"`)."),
    p("currency", ParamTy::Str, "ISO 4217; uppercased before sending."),
    p("payment_method", ParamTy::Enum("PaymentMethod"), "How the customer pays."),
    p("return_url", ParamTy::Str, "Where the customer's browser returns after a redirect (absolute `http://` or `https://` URL)."),
    p("payment_method_data", ParamTy::MethodData, "The chosen method's data (the card)."),
    p("customer_id", ParamTy::Str, "The caller's customer ID, at most 64 bytes."),
    p("metadata", ParamTy::StrMap, "The caller's data, string to string (keys 1–40 bytes, values at most 500, 1024 bytes in all); returned as sent."),
    p("notify_url", ParamTy::Str, "Where the gateway sends the webhooks (absolute `http://` or `https://` URL); a refund's default is its order's."),
    p("payment_mode", ParamTy::Enum("PaymentMode"), "`subscription` or `recurring_payment`, cards only; absent for a one-off payment."),
    p("payment_token", ParamTy::Str, "The token of a subscription, with `recurring_payment`."),
    p("txn_time", ParamTy::Str, "When the caller started the operation, RFC 3339; filled by the SDK when absent."),
    p("auth_code", ParamTy::Str, "The customer's code, 10–32 digits."),
    p("reason", ParamTy::Str, "The caller's reason, at most 256 bytes."),
];

/// The parameters of one kind of call, as [`crate::params`] reads them.
#[derive(Debug, Clone, Copy)]
pub struct OperationDesc {
    /// The name of its group of parameters (`pay`, `order`, …) in the generated surfaces.
    pub name: &'static str,
    /// Every key it accepts: the list [`crate::params`] refuses others by.
    pub keys: &'static [&'static str],
    /// The keys it cannot do without (`order` needs `trade_id` or `order_id`, besides).
    pub required: &'static [&'static str],
    /// True when the order is named by `trade_id` and/or `order_id`, at least one.
    pub order_ref: bool,
}

/// The kinds of call: PAY, micropay, an order (QUERY, REVERSAL, CLOSE, `wait_final`),
/// REFUND and REFUND_QUERY.
pub const OPERATIONS: &[OperationDesc] = &[
    OperationDesc {
        name: "pay",
        keys: crate::params::PAY,
        required: &[
            "merchant_id",
            "order_id",
            "amount",
            "currency",
            "payment_method",
        ],
        order_ref: false,
    },
    OperationDesc {
        name: "micropay",
        keys: crate::params::MICROPAY,
        required: &["merchant_id", "order_id", "amount", "currency", "auth_code"],
        order_ref: false,
    },
    OperationDesc {
        name: "order",
        keys: crate::params::ORDER,
        required: &["merchant_id"],
        order_ref: true,
    },
    OperationDesc {
        name: "refund",
        keys: crate::params::REFUND,
        required: &["merchant_id", "refund_id", "amount"],
        order_ref: true,
    },
    OperationDesc {
        name: "refund_query",
        keys: crate::params::REFUND_QUERY,
        required: &["merchant_id", "refund_id"],
        order_ref: false,
    },
];

/// One of [`PARAMS`], by name.
pub fn param(name: &str) -> Option<&'static ParamDesc> {
    PARAMS.iter().find(|p| p.name == name)
}

/// The default number of retries after the first attempt.
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// The default time allowed to one attempt (connect, send, read the answer).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default time allowed to open a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long after its `timestamp` a request can still be accepted (protocol §2): recovery
/// takes a "not found" as final only once the last attempt is older than this.
pub const DEFAULT_REPLAY_WINDOW: Duration =
    Duration::from_secs(crate::body::TIMESTAMP_WINDOW_SECS as u64);

/// The type of a client option's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionType {
    /// A string.
    Str,
    /// A whole number, 0 or more.
    Count,
    /// A boolean.
    Bool,
    /// A duration: seconds (int or float) in Python, milliseconds in Node.
    Duration,
    /// The caller's application, `{name, version?, url?}` (a dict in Python, an object in
    /// Node), named in the User-Agent.
    AppInfo,
    /// Python's `event_hooks` (a dict of lists of callables).
    EventHooks,
    /// Node's `logger` (an object with `debug`, `info`, `warn` and `error` methods).
    Logger,
}

/// What an option is when it is not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionDefault {
    /// The option must be given.
    Required,
    /// No value: the behaviour the doc describes (no deadline, say).
    Unset,
    /// A count.
    Count(u32),
    /// A duration.
    Duration(Duration),
    /// A boolean.
    Bool(bool),
}

/// One option of a client, with its name in each language.
#[derive(Debug, Clone, Copy)]
pub struct OptionDesc {
    /// The Python keyword (and Rust builder method).
    pub python: &'static str,
    /// The Node key (camelCase; durations end in `Ms`).
    pub node: &'static str,
    /// Its type.
    pub ty: OptionType,
    /// Its default.
    pub default: OptionDefault,
    /// One line of documentation.
    pub doc: &'static str,
}

/// The models a call returns, which carry the answer they came from (`last_response`).
pub const ANSWERED_MODELS: &[&str] = &["Trade", "Refund"];

/// The type of a [`RESPONSE_FIELDS`] entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseTy {
    /// A string.
    Str,
    /// A whole number.
    Count,
    /// A duration: seconds (a float) in Python, milliseconds in Node, a `Duration` in Rust.
    Duration,
}

/// One field of an object the bindings build from Rust values rather than the wire
/// (`ResponseInfo`, a hook's event), with its name in each language.
#[derive(Debug, Clone, Copy)]
pub struct ResponseFieldDesc {
    /// The Python and Rust name.
    pub python: &'static str,
    /// The Node name.
    pub node: &'static str,
    /// Its type.
    pub ty: ResponseTy,
    /// True when the value may be absent (`None` / `null`).
    pub optional: bool,
    /// One line of documentation.
    pub doc: &'static str,
}

const fn named(
    python: &'static str,
    node: &'static str,
    ty: ResponseTy,
    optional: bool,
    doc: &'static str,
) -> ResponseFieldDesc {
    ResponseFieldDesc {
        python,
        node,
        ty,
        optional,
        doc,
    }
}

/// The fields of `trade.last_response` / `trade.lastResponse` ([`crate::ResponseInfo`]), on
/// every Trade and Refund a call returns.
pub const RESPONSE_FIELDS: &[ResponseFieldDesc] = &[
    named(
        "trace_id",
        "traceId",
        ResponseTy::Str,
        false,
        "The gateway's trace number of the answer: quote it to the gateway's support.",
    ),
    named(
        "http_status",
        "httpStatus",
        ResponseTy::Count,
        false,
        "The HTTP status of the answer.",
    ),
    named(
        "attempts",
        "attempts",
        ResponseTy::Count,
        false,
        "How many attempts the call took (1 when the first one was answered).",
    ),
    named(
        "elapsed",
        "elapsedMs",
        ResponseTy::Duration,
        false,
        "From the call's start to its answer, retries and their delays included.",
    ),
];

/// The fields of an event hook's event (Python `event_hooks`, Node `client.on(..)`): one
/// `request` event before each attempt and one `response` event after it. Never a secret,
/// card data, auth_code or payment_token.
pub const HOOK_EVENT_FIELDS: &[ResponseFieldDesc] = &[
    named(
        "trans_type",
        "transType",
        ResponseTy::Str,
        false,
        "The operation: `PAY`, `QUERY`, `REFUND`, …",
    ),
    named(
        "order_id",
        "orderId",
        ResponseTy::Str,
        true,
        "The order the call is about, when it names one.",
    ),
    named(
        "refund_id",
        "refundId",
        ResponseTy::Str,
        true,
        "The refund the call is about, for refunds.",
    ),
    named(
        "attempt",
        "attempt",
        ResponseTy::Count,
        false,
        "1 for the first attempt, 2 for the first retry, …",
    ),
    named(
        "elapsed",
        "elapsedMs",
        ResponseTy::Duration,
        false,
        "Since the call started; for `response`, up to the end of this attempt.",
    ),
    named(
        "http_status",
        "httpStatus",
        ResponseTy::Count,
        true,
        "The answer's HTTP status (`response`, when one came).",
    ),
    named(
        "trace_id",
        "traceId",
        ResponseTy::Str,
        true,
        "The answer's trace number (`response`, when it had one).",
    ),
    named(
        "error",
        "error",
        ResponseTy::Str,
        true,
        "The error class of a failed attempt (`NetworkError`, …); absent when it succeeded.",
    ),
    named(
        "retry_in",
        "retryInMs",
        ResponseTy::Duration,
        true,
        "The delay before the next attempt, when the client will retry; absent otherwise.",
    ),
];

/// The client options that `with_options` (and, in Node, a call's last argument) may
/// override for some calls, by their Python names; each is described in [`CLIENT_OPTIONS`].
pub const PER_CALL_OPTIONS: &[&str] = &["timeout", "max_retries", "deadline"];

/// The options of `Client` / `AsyncClient` / `new Client()`, in the order they are checked.
pub const CLIENT_OPTIONS: &[OptionDesc] = &[
    OptionDesc {
        python: "base_url",
        node: "baseUrl",
        ty: OptionType::Str,
        default: OptionDefault::Required,
        doc: "The gateway, `https://…`; plain `http://` only to loopback (127.0.0.0/8, `::1`, `localhost`) unless `allow_insecure_http`.",
    },
    OptionDesc {
        python: "access_no",
        node: "accessNo",
        ty: OptionType::Str,
        default: OptionDefault::Required,
        doc: "The access party's number, given by the gateway.",
    },
    OptionDesc {
        python: "secret",
        node: "secret",
        ty: OptionType::Str,
        default: OptionDefault::Required,
        doc: "The signing secret shared with the gateway; never logged or shown.",
    },
    OptionDesc {
        python: "max_retries",
        node: "maxRetries",
        ty: OptionType::Count,
        default: OptionDefault::Count(DEFAULT_MAX_RETRIES),
        doc: "Retries after the first attempt (so up to 3 attempts by default); at most 10.",
    },
    OptionDesc {
        python: "timeout",
        node: "timeoutMs",
        ty: OptionType::Duration,
        default: OptionDefault::Duration(DEFAULT_TIMEOUT),
        doc: "One attempt, from connect to the last byte; 0 to a day.",
    },
    OptionDesc {
        python: "deadline",
        node: "deadlineMs",
        ty: OptionType::Duration,
        default: OptionDefault::Unset,
        doc: "The whole call, attempts and backoff included; none by default (bounded by the retries); at most a day.",
    },
    OptionDesc {
        python: "connect_timeout",
        node: "connectTimeoutMs",
        ty: OptionType::Duration,
        default: OptionDefault::Duration(DEFAULT_CONNECT_TIMEOUT),
        doc: "Opening one connection (within the attempt's timeout).",
    },
    OptionDesc {
        python: "allow_insecure_http",
        node: "allowInsecureHttp",
        ty: OptionType::Bool,
        default: OptionDefault::Bool(false),
        doc: "Allow plain `http://` to a host other than loopback; without it such a client is refused when built, with a ValidationError.",
    },
    OptionDesc {
        python: "ca_cert",
        node: "caCert",
        ty: OptionType::Str,
        default: OptionDefault::Unset,
        doc: "A PEM bundle of certificate authorities to trust instead of any other (a private gateway's CA); `tls_roots` is then ignored.",
    },
    OptionDesc {
        python: "tls_roots",
        node: "tlsRoots",
        ty: OptionType::Str,
        default: OptionDefault::Unset,
        doc: "Which roots verify the gateway's certificate: `webpki` (the bundled Mozilla roots, the default) or `native` (the operating system's store).",
    },
    OptionDesc {
        python: "app_info",
        node: "appInfo",
        ty: OptionType::AppInfo,
        default: OptionDefault::Unset,
        doc: "Your application, `{name, version?, url?}`, added to the User-Agent (`tradepay-python/0.1.0 shop/1.2 (+https://shop.example)`) so that the gateway's operators can tell integrations apart.",
    },
    OptionDesc {
        python: "journal",
        node: "journal",
        ty: OptionType::Str,
        default: OptionDefault::Unset,
        doc: "Record every PAY, REFUND, REVERSAL, CLOSE and micropay durably before it is sent: `sqlite:///path/to/file.db` (or a plain path) or `postgresql://user@host/db`; none by default. See docs/journal.md.",
    },
    OptionDesc {
        python: "replay_window",
        node: "replayWindowMs",
        ty: OptionType::Duration,
        default: OptionDefault::Duration(DEFAULT_REPLAY_WINDOW),
        doc: "How long the gateway accepts a request after its timestamp (protocol §2); recovery takes \"not found\" as final only past it. Lower it only for a gateway whose window is lower (a test sandbox).",
    },
    OptionDesc {
        python: "event_hooks",
        node: "",
        ty: OptionType::EventHooks,
        default: OptionDefault::Unset,
        doc: "Python only (Node has `client.on`): `{\"request\": [fn], \"response\": [fn]}`, each fn called with one event per attempt (docs/api.md, Observability); a hook that raises is logged and the call goes on.",
    },
    OptionDesc {
        python: "",
        node: "logger",
        ty: OptionType::Logger,
        default: OptionDefault::Unset,
        doc: "Node only (Python logs through `logging`): where this client's log lines go, an object with `debug`, `info`, `warn` and `error` methods (console, pino); `TRADEPAY_LOG` sets the level (default `info`).",
    },
];

/// An exception class of every binding: the same name, parent and meaning in each.
#[derive(Debug, Clone, Copy)]
pub struct ErrorClassDesc {
    /// The class name in every language.
    pub name: &'static str,
    /// The class it extends; `None` for the base class (which extends the language's own).
    pub parent: Option<&'static str>,
    /// The error kinds of the core (`ErrorKind::as_str` of tradepay-transport) raised as it.
    pub kinds: &'static [&'static str],
    /// Python also derives it from this builtin, so `except TimeoutError` catches it.
    pub python_builtin: Option<&'static str>,
    /// One line of documentation: when it is raised.
    pub doc: &'static str,
    /// Whether the client retries it by itself (within `max_retries`).
    pub retried: &'static str,
}

/// The error classes, parents first. Every kind of the core appears in exactly one entry
/// (a test in tradepay-transport checks it), so both bindings map a kind to its class by
/// reading this table: the classification is written once.
pub const ERROR_CLASSES: &[ErrorClassDesc] = &[
    ErrorClassDesc {
        name: "TradepayError",
        parent: None,
        kinds: &[],
        python_builtin: None,
        doc: "Base class of every error the SDK raises. `outcome_unknown` is true when the request may have been processed by the gateway (a timeout, a connection lost after sending, code 90000002): query the order before anything that could charge twice.",
    retried: "no (see the subclasses)",
    },
    ErrorClassDesc {
        name: "ValidationError",
        parent: Some("TradepayError"),
        kinds: &["validation"],
        python_builtin: Some("ValueError"),
        doc: "A request or option broke a rule of the protocol before sending; nothing went out. `field` names it.",
    retried: "no",
    },
    ErrorClassDesc {
        name: "ApiError",
        parent: Some("TradepayError"),
        kinds: &["api"],
        python_builtin: None,
        doc: "The gateway answered with a code of no known class (`code`, `message`, `trace_id`); base class of the four below.",
    retried: "no",
    },
    ErrorClassDesc {
        name: "AuthenticationError",
        parent: Some("ApiError"),
        kinds: &["authentication"],
        python_builtin: None,
        doc: "Code `1xxxxxxx`: signature, timestamp, nonce or accessNo refused.",
    retried: "no",
    },
    ErrorClassDesc {
        name: "InvalidRequestError",
        parent: Some("ApiError"),
        kinds: &["invalid_request"],
        python_builtin: None,
        doc: "Code `2xxxxxxx`: the gateway found the request malformed.",
    retried: "no",
    },
    ErrorClassDesc {
        name: "BusinessError",
        parent: Some("ApiError"),
        kinds: &["business"],
        python_builtin: None,
        doc: "Code `3xxxxxxx`: not found, ID reuse, state, refund too large, token.",
    retried: "no",
    },
    ErrorClassDesc {
        name: "GatewayError",
        parent: Some("ApiError"),
        kinds: &["gateway"],
        python_builtin: None,
        doc: "Code `9xxxxxxx`, or HTTP 429 or any 5xx after the retries (outcome unknown except after 429 and `90000001`).",
    retried: "`90000001`, `90000002`, 429, 502–504",
    },
    ErrorClassDesc {
        name: "NetworkError",
        parent: Some("TradepayError"),
        kinds: &["network"],
        python_builtin: None,
        doc: "Connection refused, reset, or a body cut short; `outcome_unknown` says whether the request had been sent.",
    retried: "yes",
    },
    ErrorClassDesc {
        name: "TimeoutError",
        parent: Some("TradepayError"),
        kinds: &["timeout"],
        python_builtin: Some("TimeoutError"),
        doc: "A timeout or deadline passed; the outcome is unknown. `wait_final` and micropay set `trade` to the last order seen.",
    retried: "yes (attempts)",
    },
    ErrorClassDesc {
        name: "SignatureError",
        parent: Some("TradepayError"),
        kinds: &["signature"],
        python_builtin: None,
        doc: "A response without a valid `X-Signature` (only `1000xxxx` may come unsigned): its code and data are not trusted.",
    retried: "no",
    },
    ErrorClassDesc {
        name: "ProtocolError",
        parent: Some("TradepayError"),
        kinds: &["protocol"],
        python_builtin: None,
        doc: "A response that is not the protocol (bad envelope, over 1 MiB, other HTTP status), or a signed answer about another request (outcome unknown).",
    retried: "no",
    },
    ErrorClassDesc {
        name: "WebhookVerificationError",
        parent: Some("TradepayError"),
        kinds: &["webhook"],
        python_builtin: None,
        doc: "A webhook delivery failed verification (signature, timestamp, headers or body).",
    retried: "n/a",
    },
    ErrorClassDesc {
        name: "AbortError",
        parent: Some("TradepayError"),
        kinds: &["aborted"],
        python_builtin: None,
        doc: "The caller aborted the call (Node: the `signal` option). `outcome_unknown` is true when it was aborted after its request may have gone out. Python cancels with KeyboardInterrupt or asyncio cancellation instead and never raises it.",
    retried: "no",
    },
];

/// The class an error of `kind` is raised as; the base class for a kind no entry names
/// (one a newer core added), so that it is still caught as a tradepay error.
pub fn error_class(kind: &str) -> &'static str {
    ERROR_CLASSES
        .iter()
        .find(|c| c.kinds.contains(&kind))
        .map_or(ERROR_CLASSES[0].name, |c| c.name)
}

/// The `code` of a `TradepayError` that reports a panic inside the SDK (a bug), so that a
/// caller can tell it from a gateway code.
pub const INTERNAL_CODE: &str = "ERR_TRADEPAY_INTERNAL";

/// The message of that error, from the panic's own message.
pub fn internal_message(panic: &str) -> String {
    format!("internal error in tradepay (a bug; please report it): {panic}")
}

/// The kind names of tradepay-types' own [`ErrorKind`](crate::ErrorKind), as the transport
/// names them, so that a request error and the same error from the client read alike.
pub fn types_kind(kind: crate::ErrorKind) -> &'static str {
    match kind {
        crate::ErrorKind::Validation => "validation",
        crate::ErrorKind::Protocol => "protocol",
        crate::ErrorKind::Signature => "signature",
        crate::ErrorKind::Webhook => "webhook",
    }
}

/// The message every binding shows for an error: `"{field}: {rule}"` for an error about a
/// field, else the message itself. An answer of the gateway (an `ApiError` and its
/// subclasses) keeps the gateway's own words, its field aside.
pub fn shown_message(kind: &str, field: Option<&str>, message: &str) -> String {
    let answered = ERROR_CLASSES
        .iter()
        .find(|c| c.kinds.contains(&kind))
        .is_some_and(|c| c.name == "ApiError" || c.parent == Some("ApiError"));
    match field {
        Some(f) if !answered => format!("{f}: {message}"),
        _ => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Map, Value};

    /// A call of `op` with every required key (and `order_id` for an order), read by the
    /// core's own parser.
    fn parse(op: &OperationDesc, map: &Map<String, Value>) -> Result<(), crate::Error> {
        let map = map.clone();
        match op.name {
            "pay" => crate::params::pay(map).map(drop),
            "micropay" => crate::params::micropay(map).map(drop),
            "order" => crate::params::order(&map).map(drop),
            "refund" => crate::params::refund(&map).map(drop),
            "refund_query" => crate::params::refund_query(&map).map(drop),
            other => panic!("no parser for {other}"),
        }
    }

    fn minimal(op: &OperationDesc) -> Map<String, Value> {
        let value = |key: &str| match key {
            "amount" => json!("1.00"),
            "currency" => json!("USD"),
            "payment_method" => json!("qr"),
            "auth_code" => json!("1234567890123456"),
            other => json!(format!("{other}_1")),
        };
        let mut keys: Vec<&str> = op.required.to_vec();
        if op.order_ref {
            keys.push("order_id");
        }
        keys.into_iter().map(|k| (k.to_owned(), value(k))).collect()
    }

    #[test]
    fn operations_say_what_the_parser_requires() {
        for op in OPERATIONS {
            let map = minimal(op);
            parse(op, &map).unwrap_or_else(|e| panic!("{}: {e}", op.name));
            for key in op.required {
                let mut less = map.clone();
                less.remove(*key);
                assert!(
                    parse(op, &less).is_err(),
                    "{} accepts a call without {key}",
                    op.name
                );
            }
            if op.order_ref {
                let mut less = map.clone();
                less.remove("order_id");
                assert!(
                    parse(op, &less).is_err(),
                    "{} accepts a call naming no order",
                    op.name
                );
            }
            for key in op.keys {
                assert!(param(key).is_some(), "{}: {key} is not in PARAMS", op.name);
            }
            for key in op.required {
                assert!(
                    op.keys.contains(key),
                    "{}: required {key} is not a key",
                    op.name
                );
            }
        }
        for p in PARAMS {
            assert!(
                OPERATIONS.iter().any(|op| op.keys.contains(&p.name)),
                "{} is in no operation",
                p.name
            );
        }
    }

    fn sample(ty: Ty) -> Value {
        match ty {
            Str => json!("10.00"),
            Bool => json!(true),
            Enum(name) => {
                let e = enums().into_iter().find(|e| e.name == name).unwrap();
                json!(e.values[0])
            }
            StrMap => json!({"k": "v"}),
            Model(name) => full(name),
            Data => json!({"status": "SUCCESS"}),
        }
    }

    fn full(name: &str) -> Value {
        let model = MODELS.iter().find(|m| m.name == name).unwrap();
        let mut object = Map::new();
        for field in model.fields.iter().filter(|f| f.wire) {
            object.insert(field.name.into(), sample(field.ty));
        }
        Value::Object(object)
    }

    fn keys(value: &Value) -> Vec<String> {
        let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    }

    /// Every described field survives a round trip through the serde struct (so it exists
    /// with that name), and the struct writes no field the description lacks; an empty
    /// object is refused or yields only the required fields.
    fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(name: &str) {
        let described = full(name);
        let value: T = serde_json::from_value(described.clone()).unwrap();
        let back = serde_json::to_value(&value).unwrap();
        assert_eq!(keys(&back), keys(&described), "fields of {name}");
        let model = MODELS.iter().find(|m| m.name == name).unwrap();
        for field in model.fields.iter().filter(|f| f.wire && !f.required) {
            let mut without = described.as_object().unwrap().clone();
            without.remove(field.name);
            let value: T = serde_json::from_value(Value::Object(without)).unwrap();
            let back = serde_json::to_value(&value).unwrap();
            assert!(
                back.get(field.name).is_none(),
                "{name}.{} is optional",
                field.name
            );
        }
    }

    #[test]
    fn models_match_the_serde_structs() {
        round_trip::<crate::PaymentError>("PaymentError");
        round_trip::<crate::NextActionRedirect>("NextActionRedirect");
        round_trip::<crate::NextAction>("NextAction");
        round_trip::<crate::Trade>("Trade");
        round_trip::<crate::Refund>("Refund");
    }

    #[test]
    fn error_classes_have_known_parents_listed_first() {
        for (i, class) in ERROR_CLASSES.iter().enumerate() {
            if let Some(parent) = class.parent {
                let at = ERROR_CLASSES.iter().position(|c| c.name == parent);
                assert!(
                    at.is_some_and(|at| at < i),
                    "{} extends {parent}",
                    class.name
                );
            }
        }
        assert_eq!(error_class("validation"), "ValidationError");
        assert_eq!(error_class("a kind from the future"), "TradepayError");
    }

    #[test]
    fn every_enum_type_named_exists() {
        let names: Vec<_> = enums().iter().map(|e| e.name).collect();
        for model in MODELS {
            for field in model.fields {
                match field.ty {
                    Enum(e) => assert!(names.contains(&e), "{e}"),
                    Model(m) => assert!(MODELS.iter().any(|x| x.name == m), "{m}"),
                    _ => {}
                }
            }
        }
    }
}

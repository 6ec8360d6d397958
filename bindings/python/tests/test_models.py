"""Result objects, enums and exceptions, without a network."""

from __future__ import annotations

import pickle

import pytest

import tradepay
from tradepay import _native

TRADE = {
    "status": "SUCCESS",
    "trade_id": "tr_1",
    "order_id": "o_1",
    "merchant_id": "m_1",
    "amount": "10.50",
    "currency": "USD",
    "trade_status": "succeeded",
    "refund_status": "no_refund",
    "total_refunded_amount": "0.00",
    "payment_method": "card",
    "payment_mode": "subscription",
    "payment_token": "tok_secret_value",
    "metadata": {"note": "café"},
    "next_action": {"type": "redirect", "redirect": {"url": "https://pay.example/x"}},
    "last_payment_error": {"code": "card_declined", "message": "declined"},
}


def test_python_enums_list_exactly_what_the_core_knows() -> None:
    known = _native._known_values()
    for name, values in known.items():
        cls = getattr(tradepay, name)
        assert [m.value for m in cls] == values, name


def test_enum_members_are_strings() -> None:
    assert tradepay.Status.SUCCESS == "SUCCESS"
    assert isinstance(tradepay.Status.SUCCESS, str)
    assert f"{tradepay.Status.SUCCESS}" == "SUCCESS"
    assert str(tradepay.TradeStatus.REQUIRES_ACTION) == "requires_action"


def test_trade_attributes_and_enum_fields() -> None:
    t = tradepay.Trade.from_dict(TRADE)
    assert t.status is tradepay.Status.SUCCESS
    assert t.trade_status is tradepay.TradeStatus.SUCCEEDED
    assert t.refund_status is tradepay.RefundStatus.NO_REFUND
    assert t.payment_method is tradepay.PaymentMethod.CARD
    assert t.payment_mode is tradepay.PaymentMode.SUBSCRIPTION
    assert t.amount == "10.50" and t.total_refunded_amount == "0.00"
    assert t.metadata == {"note": "café"}
    assert t.next_action is not None and t.next_action.type is tradepay.NextActionType.REDIRECT
    assert t.next_action.redirect is not None and t.next_action.redirect.url == "https://pay.example/x"
    assert t.redirect_url == "https://pay.example/x"
    assert t.last_payment_error is not None and t.last_payment_error.code == "card_declined"
    assert t.is_final
    assert t.customer_id is None


def test_unknown_enum_values_are_plain_strings() -> None:
    t = tradepay.Trade.from_dict({"status": "ON_HOLD", "trade_status": "mystery", "payment_method": "crypto"})
    assert t.status == "ON_HOLD" and type(t.status) is str
    assert type(t.trade_status) is str and t.trade_status == "mystery"
    assert type(t.payment_method) is str
    assert not t.is_final


def test_to_dict_round_trip_equality_and_pickle() -> None:
    t = tradepay.Trade.from_dict(TRADE)
    assert t.to_dict() == TRADE
    assert tradepay.Trade.from_dict(t.to_dict()) == t
    assert pickle.loads(pickle.dumps(t)) == t
    assert t != tradepay.Trade.from_dict({**TRADE, "status": "FAILED"})
    r = tradepay.Refund.from_dict({"status": "PENDING", "refund_id": "r_1", "amount": "2.50"})
    assert pickle.loads(pickle.dumps(r)) == r
    assert r.to_dict() == {"status": "PENDING", "refund_id": "r_1", "amount": "2.50"}


def test_repr_is_readable_and_hides_the_token() -> None:
    text = repr(tradepay.Trade.from_dict(TRADE))
    assert text.startswith("Trade(status='SUCCESS', trade_id='tr_1', order_id='o_1'")
    assert "tok_secret_value" not in text
    assert repr(tradepay.Refund.from_dict({"status": "SUCCESS", "refund_id": "r_1"})) == (
        "Refund(status='SUCCESS', refund_id='r_1')"
    )


def test_from_dict_refuses_a_float_amount() -> None:
    # A ValidationError (a ValueError too), as bad input is everywhere else.
    with pytest.raises(tradepay.ValidationError, match="^not a valid trade: "):
        tradepay.Trade.from_dict({"status": "SUCCESS", "amount": 10.5})
    with pytest.raises(tradepay.ValidationError, match="an event needs id, type and timestamp"):
        tradepay._native._event_from_dict({"id": "evt_1"})


ALL_ERRORS = [
    tradepay.ValidationError,
    tradepay.ApiError,
    tradepay.AuthenticationError,
    tradepay.InvalidRequestError,
    tradepay.BusinessError,
    tradepay.GatewayError,
    tradepay.NetworkError,
    tradepay.TimeoutError,
    tradepay.SignatureError,
    tradepay.ProtocolError,
    tradepay.WebhookVerificationError,
]


def test_exception_hierarchy() -> None:
    for cls in ALL_ERRORS:
        assert issubclass(cls, tradepay.TradepayError)
    for cls in (tradepay.AuthenticationError, tradepay.InvalidRequestError, tradepay.BusinessError, tradepay.GatewayError):
        assert issubclass(cls, tradepay.ApiError)
    assert issubclass(tradepay.TimeoutError, TimeoutError)


@pytest.mark.parametrize("cls", ALL_ERRORS)
def test_exceptions_pickle_with_every_attribute(cls: type) -> None:
    trade = tradepay.Trade.from_dict({"status": "PENDING", "order_id": "o_1"})
    e = cls("boom", code="90000002", trace_id="abc", http_status=200, outcome_unknown=True, trade=trade, attempts=3)
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is cls
    assert (back.message, back.code, back.trace_id, back.http_status) == ("boom", "90000002", "abc", 200)
    assert back.outcome_unknown is True and back.trade == trade and back.attempts == 3
    assert "90000002" in str(back) and "abc" in str(back)

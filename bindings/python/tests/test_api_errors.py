"""Requests are read by the core's parser: its rules, its messages, its unknown-key check."""

import pytest

import tradepay


def test_an_unknown_key_is_refused_with_the_name_meant(client: tradepay.Client) -> None:
    with pytest.raises(tradepay.ValidationError) as info:
        client.query(merchant_id="m_1", order_id="o_1", orderId="o_2")  # type: ignore[call-arg]
    assert info.value.message == "orderId: unknown parameter; did you mean order_id?"
    assert info.value.code is None


def test_a_field_error_message_names_the_field(client: tradepay.Client) -> None:
    with pytest.raises(tradepay.ValidationError) as info:
        client.query(merchant_id="m_1", order_id="o 1")
    assert info.value.message.startswith("order_id: ")
    assert info.value.field == "order_id"

"""The carrier interface and the house carrier: S10 tracking numbers, tracking URLs,
shipping rules by country and weight."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.shipping import carriers
from portal.shipping.carriers import HouseCarrier, get_carrier, s10_check_digit
from portal.shipping.errors import NotShippable, ShippingInvalid


def test_s10_check_digit_matches_the_upu_example():
    # UPU S10's worked example: serial 47312482 -> 4*8+7*6+3*4+1*2+2*3+4*5+8*9+2*7 = 200,
    # 200 mod 11 = 2, 11 - 2 = 9.
    assert s10_check_digit("47312482") == 9


@pytest.mark.parametrize(("serial", "check"), [
    ("00000000", 5),   # sum 0: 11 - 0 = 11 becomes 5
    ("00000001", 4),   # 1 * 7 = 7: 11 - 7 = 4
    ("00000010", 2),   # 1 * 9 = 9: 11 - 9 = 2
    ("00000008", 0),   # 8 * 7 = 56, 56 mod 11 = 1: 11 - 1 = 10 becomes 0
])
def test_s10_special_cases(serial, check):
    assert s10_check_digit(serial) == check


def test_house_tracking_numbers_are_s10_with_hc_and_de():
    house = HouseCarrier()

    assert house.tracking_number_for(47312482) == "HC473124829DE"
    assert house.tracking_number_for(1) == "HC000000014DE"
    assert house.tracking_number_for(10 ** 8) is None
    assert house.tracking_number_for(0) is None
    assert house.is_valid_tracking_number("HC473124829DE")
    for wrong in ("HC473124828DE", "HC473124829AT", "RR473124829DE", "HC47312482DE",
                  "hc473124829de", "", "HC473124829DEX"):
        assert not house.is_valid_tracking_number(wrong), wrong


def test_every_single_digit_error_is_caught_by_the_s10_check_digit():
    house = HouseCarrier()
    number = house.tracking_number_for(47312482)
    for i in range(2, 10):
        for digit in "0123456789":
            if digit != number[i]:
                assert not house.is_valid_tracking_number(number[:i] + digit + number[i + 1:])


def test_tracking_url_comes_from_the_template():
    assert HouseCarrier().tracking_url("HC473124829DE") == \
        "https://track.example.com/HC473124829DE"
    house = HouseCarrier("{public_url}/track/parcel/{tracking_number}",
                         public_url="https://oms.example.com/")
    assert house.tracking_url("HC1") == "https://oms.example.com/track/parcel/HC1"
    with pytest.raises(ValueError, match="tracking_number"):
        HouseCarrier("https://track.example.com/")
    with pytest.raises(KeyError):
        HouseCarrier("https://t.example.com/{tracking_number}/{unknown}")


def test_the_configured_template_is_used(app, monkeypatch):
    monkeypatch.setitem(app.config, "HOUSE_CARRIER_TRACKING_URL",
                        "https://parcel.example.de/?id={tracking_number}")
    with app.app_context():
        house = get_carrier("house")
        assert house.tracking_url("HC000000014DE") == \
            "https://parcel.example.de/?id=HC000000014DE"


def test_unknown_carrier_is_a_domain_error():
    with pytest.raises(ShippingInvalid) as error:
        get_carrier("ups")
    assert "carrier" in error.value.fields


@pytest.mark.parametrize(("country", "weight", "service", "price"), [
    ("DE", "0.2", "STD", "4.49"),
    ("DE", "1", "STD", "4.49"),          # a band's limit is inclusive
    ("DE", "1.001", "STD", "5.99"),
    ("de", "2,5", "STD", "5.99"),        # lower case and a German decimal comma
    ("DE", 31.5, "STD", "16.49"),
    ("AT", "3", "EU", "13.99"),
    ("IT", "20", "EU", "26.99"),
    ("CH", "4.999", "INT", "24.99"),
])
def test_shipping_rules_choose_service_and_price(country, weight, service, price):
    quote = HouseCarrier().quote(country, weight)

    assert (quote.carrier, quote.service, quote.price, quote.currency) == \
        ("house", service, Decimal(price), "EUR")
    assert quote.service_name


def test_a_named_service_is_priced_by_its_own_bands():
    quote = HouseCarrier().quote("DE", "6", service="EXP")

    assert (quote.service, quote.price) == ("EXP", Decimal("24.99"))


@pytest.mark.parametrize(("country", "weight", "service", "error", "field"), [
    ("US", "1", None, NotShippable, "country"),
    ("XX", "1", None, ShippingInvalid, "country"),
    ("", "1", None, ShippingInvalid, "country"),
    ("DE", "0", None, ShippingInvalid, "weight"),
    ("DE", "-1", None, ShippingInvalid, "weight"),
    ("DE", "heavy", None, ShippingInvalid, "weight"),
    ("DE", "NaN", None, ShippingInvalid, "weight"),
    ("DE", None, None, ShippingInvalid, "weight"),
    ("DE", "31.501", None, NotShippable, "weight"),
    ("CH", "25", None, NotShippable, "weight"),
    ("DE", "1", "EU", NotShippable, "service"),
])
def test_bad_country_weight_or_service_is_a_clear_domain_error(country, weight, service, error,
                                                               field):
    with pytest.raises(error) as raised:
        HouseCarrier().quote(country, weight, service=service)

    assert field in raised.value.fields
    assert raised.value.message


def test_the_weight_limit_is_named_in_the_message():
    with pytest.raises(NotShippable, match=r"at most 20 kg; this one weighs 25 kg"):
        HouseCarrier().quote("CH", "25")


def test_rules_are_data_a_carrier_can_be_given():
    rules = (carriers.rule("ECO", "DE AT", ("10", "3.99")),)
    house = HouseCarrier(rules=rules)

    assert house.quote("AT", "9").price == Decimal("3.99")
    with pytest.raises(NotShippable):
        house.quote("FR", "1")

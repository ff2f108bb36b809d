"""GS1 check digits and SSCC-18: the examples GS1 publishes, the builder, validation."""

from __future__ import annotations

import pytest

from portal.shipping import gs1
from portal.shipping.gs1 import GS1Invalid


@pytest.mark.parametrize("number", [
    "106141412345678908",   # SSCC of the GS1 General Specifications, (00) 1 0614141 234567890 8
    "006141411234567890",   # GS1 US's SSCC example, (00) 0 0614141 123456789 0
    "4006381333931",        # a GTIN-13 (EAN-13) from the GS1 Germany range
    "96385074",             # a GTIN-8
    "00012345600012",       # a GTIN-14
])
def test_published_gs1_numbers_have_valid_check_digits(number):
    assert gs1.check_digit(number[:-1]) == int(number[-1])
    assert gs1.is_valid(number)


def test_a_changed_digit_or_a_swap_of_neighbours_is_caught():
    sscc = "106141412345678908"
    for i in range(17):
        changed = sscc[:i] + str((int(sscc[i]) + 1) % 10) + sscc[i + 1:]
        assert not gs1.is_valid(changed), changed
    assert not gs1.is_valid("016141412345678908")  # first two digits swapped


def test_the_example_in_the_issue_text_has_the_wrong_check_digit():
    """The issue's "(00) 1 0614141 000000001 8" is off: its check digit is 9."""
    assert gs1.check_digit("10614141000000001") == 9
    with pytest.raises(GS1Invalid):
        gs1.validate_sscc("(00) 1 0614141 000000001 8")
    assert gs1.validate_sscc("(00) 1 0614141 000000001 9") == "106141410000000019"


def test_sscc_is_built_from_extension_prefix_and_serial():
    sscc = gs1.build_sscc(1)

    assert sscc == "040123450000000016"
    assert gs1.is_valid(sscc)
    # check digits worked out by hand: 3·9+8+3·7+6+... = 135 → 5; 76 → 4
    assert gs1.build_sscc(123456789, extension=3) == "340123451234567895"
    assert gs1.build_sscc(42, prefix="0614141234") == "006141412340000424"
    assert gs1.build_sscc(1, prefix="4012345") == "040123450000000016"


def test_serials_beyond_the_prefixs_room_are_refused():
    assert gs1.serial_capacity("4012345") == 10 ** 9
    assert gs1.serial_capacity("4012345678") == 10 ** 6
    gs1.build_sscc(10 ** 6 - 1, prefix="4012345678")
    with pytest.raises(GS1Invalid, match="does not fit"):
        gs1.build_sscc(10 ** 6, prefix="4012345678")
    with pytest.raises(GS1Invalid):
        gs1.build_sscc(1, extension=10)
    with pytest.raises(GS1Invalid, match="7 to 10 digits"):
        gs1.build_sscc(1, prefix="123456")


@pytest.mark.parametrize("bad", ["", "12345678901234567", "1234567890123456789",
                                 "10614141234567890X", "１06141412345678908"])
def test_malformed_ssccs_are_refused(bad):
    with pytest.raises(GS1Invalid, match="18 digits"):
        gs1.validate_sscc(bad)


def test_the_barcode_data_starts_with_fnc1_and_the_application_identifier():
    sscc = gs1.build_sscc(7)

    assert gs1.sscc_barcode_data(sscc) == "\xf100" + sscc
    assert gs1.sscc_scanned(sscc) == "00" + sscc
    assert gs1.sscc_text(sscc) == "(00) 0 4012345 000000007 8"
    assert gs1.sscc_text("106141412345678908") == "(00) 1 0614141234567890 8"


def test_reportlab_encodes_gs1_128_as_start_c_fnc1_and_digit_pairs():
    from reportlab.graphics.barcode.code128 import Code128

    symbol = Code128(gs1.sscc_barcode_data("106141412345678908"))
    symbol.validate()
    encoded = symbol.encode()

    start_c, fnc1 = 105, 102
    assert encoded[:2] == [start_c, fnc1]
    assert encoded[2:12] == [0, 10, 61, 41, 41, 23, 45, 67, 89, 8]  # "00" "10" "61" ...


def test_the_configured_company_prefix_is_used(app):
    with app.app_context():
        app.config["GS1_COMPANY_PREFIX"] = "0614141"
        try:
            assert gs1.build_sscc(5).startswith("00614141")
        finally:
            app.config["GS1_COMPANY_PREFIX"] = gs1.DEFAULT_COMPANY_PREFIX

"""ZPL II output: one ^XA ... ^XZ block per label with the barcodes and texts a Zebra
printer needs (no printer here: the structure and the values are checked)."""

from __future__ import annotations

import re

from portal.shipping.label_zpl import escape
from portal.shipping.labels import Address, render_zpl
from tests.shipping.samples import LOCKER, return_label, sample_label, sample_labels


def blocks(zpl: str) -> list[str]:
    return re.findall(r"\^XA\n(.*?)\^XZ\n", zpl, re.S)


def fields(block: str) -> list[str]:
    """Every field's data (after ^FD, up to ^FS), hex escapes (^FH, "_") decoded."""
    return [re.sub(r"_([0-9A-F]{2})", lambda m: chr(int(m[1], 16)), data)
            for data in re.findall(r"\^FD(.*?)\^FS", block)]


def test_one_block_per_label_with_page_setup():
    zpl = render_zpl(sample_labels(3))

    assert zpl.count("^XA") == zpl.count("^XZ") == 3
    assert len(blocks(zpl)) == 3
    for block in blocks(zpl):
        assert block.startswith("^CI28\n^PW812\n^LL1218\n^LH0,0\n")  # UTF-8, 4x6 at 203 dpi
        for x, y in re.findall(r"\^FO(\d+),(\d+)", block):
            assert 0 <= int(x) < 812 and 0 <= int(y) < 1218


def test_barcodes_carry_tracking_number_sscc_and_url():
    label = sample_label(1)
    block = blocks(render_zpl([label]))[0]

    assert re.search(rf"\^BY3,3,\d+\^BCN,\d+,N,N,N,A\^FH\^FD{label.tracking_number}\^FS", block)
    assert re.search(rf"\^BY4,3,\d+\^BCN,\d+,N,N,N,N\^FD>;>800{label.sscc}\^FS", block)
    assert re.search(r"\^BQN,2,\d+\^FH\^FDMA,https://track\.example\.com/"
                     rf"{label.tracking_number}\^FS", block)


def test_texts_are_on_the_label():
    label = sample_label(3)
    texts = fields(blocks(render_zpl([label]))[0])

    for expected in ("HOUSE CARRIER", "EU parcel", "EU", "Absender / Sender",
                     "Retail OMS Lager Kassel", "Empfänger / Recipient", "Jan Kowalski",
                     "ul. Łódzka 5", "00-001 Warszawa", "POLAND", label.order_number, "1 / 2",
                     "2.35 kg", label.tracking_number, f"(00) 0 4012345 {label.sscc[8:17]} "
                     f"{label.sscc[17]}"):
        assert expected in texts, expected


def test_a_label_without_sscc_has_no_gs1_barcode():
    block = blocks(render_zpl([sample_label(4, sscc=None)]))[0]

    assert ">;>8" not in block
    assert block.count("^BC") == 1


def test_a_return_label_has_a_reversed_return_band():
    block = blocks(render_zpl([return_label(2)]))[0]

    assert re.search(r"\^GB764,96,96\^FS\n\^FO\d+,\d+\^A0N,\d+,\d+\^FR\^FH\^FDRETOURE / RETURN",
                     block)
    assert "RMA-2026-000002" in fields(block)
    assert "House Carrier · Standard parcel" in fields(block)


def test_a_locker_label_names_the_locker():
    texts = fields(blocks(render_zpl([sample_label(5, locker_id="123",
                                                   locker_address=LOCKER)]))[0])

    assert "Packstation / Parcel locker 123" in texts
    assert "80335 München" in texts


def test_control_characters_in_addresses_cannot_break_the_label():
    evil = Address("Eve ^XZ~JA_", "Street ^FS 1", "10115", "Berlin")
    zpl = render_zpl([sample_label(1, recipient=evil)])

    assert zpl.count("^XZ") == 1 and "~JA" not in zpl
    assert escape("a^b~c_d") == "a_5Eb_7Ec_5Fd"
    assert "Eve ^XZ~JA_" in fields(blocks(zpl)[0])


def test_long_lines_are_cut():
    name = "Maximilian Alexander Friedrich von und zu Hohenzollern-Sigmaringen-Hechingen"
    texts = fields(blocks(render_zpl([sample_label(1, recipient=Address(
        name, "Straße 1", "10115", "Berlin"))]))[0])

    assert any(t.startswith("Maximilian") and t.endswith("…") for t in texts)

"""Label PDFs scan: every barcode decodes (pdftoppm + zbarimg) to the right value, on 4x6
and on A4 (all four labels of a page), for home, locker, pickup-store, international and
return labels; batches have a page per label; the label reads like a carrier's."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from portal.shipping import gs1, label_pdf
from portal.shipping.errors import ShippingInvalid
from portal.shipping.label_pdf import pdf_text as printable
from portal.shipping.labels import Address, LabelData, render_4x6, render_a4
from tests.barcodes import decode_pdf
from tests.shipping.samples import LOCKER, STORE, return_label, sample_label, sample_labels
from tests.shipping.scan import pdf_info, pdf_text, scan_symbols


def expected_symbols(label: LabelData) -> set[str]:
    """What zbarimg reports for a label: tracking number, SSCC (AI 00 + 18 digits, the
    FNC1 not shown) and the tracking URL."""
    found = {f"CODE-128:{label.tracking_number}", f"QR-Code:{label.tracking_url}"}
    if label.sscc:
        found.add(f"CODE-128:{gs1.sscc_scanned(label.sscc)}")
    return found


def test_a_4x6_label_decodes_to_tracking_number_sscc_and_tracking_url(tmp_path):
    label = sample_label(1)
    pdf = render_4x6([label])

    decoded = decode_pdf(pdf, tmp_path)

    assert sorted(decoded) == sorted([
        f"CODE-128:{label.tracking_number}",
        f"CODE-128:00{label.sscc}",
        f"QR-Code:{label.tracking_url}",
    ])
    assert pdf_info(pdf, tmp_path)["Page size"].startswith("288 x 432 pts")


def test_the_sscc_symbol_is_gs1_128_and_the_tracking_symbol_is_plain_code128(tmp_path):
    label = sample_label(2)

    symbols = scan_symbols(render_4x6([label]), tmp_path)

    by_data = {s["data"]: s for s in symbols}
    assert by_data[f"00{label.sscc}"]["gs1"] is True     # starts with FNC1
    assert gs1.is_valid(by_data[f"00{label.sscc}"]["data"][2:])
    assert by_data[label.tracking_number]["gs1"] is False
    assert by_data[label.tracking_url]["type"] == "QR-Code"


@pytest.mark.parametrize("label", [
    sample_label(5, locker_id="123", locker_address=LOCKER),
    sample_label(6, pickup_store=STORE),
    sample_label(3),                                  # Poland: EU service, country line
    sample_label(4, sscc=None),                       # a parcel without SSCC
    return_label(6),
], ids=["locker", "pickup-store", "abroad", "no-sscc", "return"])
def test_every_kind_of_label_decodes(tmp_path, label):
    assert set(decode_pdf(render_4x6([label]), tmp_path)) == expected_symbols(label)


def test_a4_holds_four_labels_a_page_and_all_of_them_decode(tmp_path):
    labels = sample_labels(6)
    pdf = render_a4(labels)

    info = pdf_info(pdf, tmp_path)
    assert info["Pages"] == "2"
    assert info["Page size"].startswith("595.27")  # A4
    first = set(decode_pdf(pdf, tmp_path, page=1))
    assert first == set().union(*(expected_symbols(label) for label in labels[:4]))
    second = set(decode_pdf(pdf, tmp_path, page=2))
    assert second == set().union(*(expected_symbols(label) for label in labels[4:]))


def test_a_batch_of_200_labels_is_one_pdf_of_200_pages(tmp_path):
    labels = sample_labels(200)

    pdf = render_4x6(labels)

    assert pdf_info(pdf, tmp_path)["Pages"] == "200"
    assert set(decode_pdf(pdf, tmp_path, page=137)) == expected_symbols(labels[136])
    assert set(decode_pdf(pdf, tmp_path, page=200)) == expected_symbols(labels[199])
    assert pdf_info(render_a4(labels), tmp_path)["Pages"] == "50"


def test_a_batch_can_be_a_generator(tmp_path):
    pdf = render_4x6(sample_label(i) for i in range(1, 4))

    assert pdf_info(pdf, tmp_path)["Pages"] == "3"


def test_the_label_shows_sender_recipient_order_parcel_and_weight(tmp_path):
    label = sample_label(3)  # customer in Warszawa, two parcels
    text = pdf_text(render_4x6([label]), tmp_path)

    for expected in ("HOUSE CARRIER", "Absender / Sender", "Retail OMS Lager Kassel",
                     "Empfänger / Recipient", "Jan Kowalski", "ul. Łódzka 5", "00-001 Warszawa",
                     "POLAND", "GERMANY", "Auftrag / Order", label.order_number,
                     "Paket / Parcel", "Gewicht / Weight", "2.35 kg", "EU parcel",
                     label.tracking_number, gs1.sscc_text(label.sscc),
                     "Sendungsverfolgung / Tracking"):
        assert expected in text, expected
    assert re.search(r"\b1\s*/\s*2\b", text)  # parcel 1 of 2
    assert "RETOURE" not in text


def test_a_domestic_label_has_no_country_lines(tmp_path):
    text = pdf_text(render_4x6([sample_label(1)]), tmp_path)  # Kassel to Düsseldorf

    assert "GERMANY" not in text
    assert "40212 Düsseldorf" in text


def test_a_locker_label_names_the_locker_and_goes_to_its_address(tmp_path):
    label = sample_label(5, locker_id="123", locker_address=LOCKER)

    text = pdf_text(render_4x6([label]), tmp_path)

    assert "Packstation / Parcel locker 123" in text
    assert "80335 München" in text and "Bahnhofstraße 1" in text
    assert label.recipient.name in text
    assert label.recipient.street not in text  # the customer's home is not the target


def test_a_pickup_store_label_goes_to_the_store_for_the_customer(tmp_path):
    label = sample_label(6, pickup_store=STORE)  # Anna Schröder

    text = pdf_text(render_4x6([label]), tmp_path)

    assert "Abholfiliale / Pickup store" in text
    assert "Retail OMS Hamburg City" in text and "20095 Hamburg" in text
    assert f"für / for: {label.recipient.name}" in text


def test_a_return_label_is_marked_and_goes_back_to_the_returns_centre(tmp_path):
    label = return_label(6)

    text = pdf_text(render_4x6([label]), tmp_path)

    assert "RETOURE / RETURN" in text
    assert "House Carrier · Standard parcel" in text
    assert "RMA" in text and label.rma_number in text
    assert "Retail OMS Retourenzentrum" in text and "06112 Halle (Saale)" in text
    assert set(decode_pdf(render_4x6([label]), tmp_path)) == expected_symbols(label)


def test_a_long_tracking_number_of_another_carrier_still_fits_and_scans(tmp_path):
    label = sample_label(1, tracking_number="JJD000390007123456789012345",
                         tracking_url="https://track.example.com/JJD000390007123456789012345")

    decoded = decode_pdf(render_4x6([label]), tmp_path, dpi=300)

    assert f"CODE-128:{label.tracking_number}" in decoded


def test_very_long_names_are_shrunk_or_cut_not_run_off_the_label(tmp_path):
    name = "Maximilian Alexander Friedrich von und zu Hohenzollern-Sigmaringen-Hechingen"
    label = sample_label(1, recipient=Address(name, "Straße 1", "10115", "Berlin"))

    text = pdf_text(render_4x6([label]), tmp_path)

    assert "Maximilian Alexander" in text
    assert "…" in text


def test_european_names_print_as_written_and_what_the_font_lacks_is_marked():
    assert label_pdf.UNICODE_FONTS, "DejaVu Sans is missing: run `make browser-deps`"
    assert printable("Łódź, Ťažký, Ayşe Öztürk, Straße") == "Łódź, Ťažký, Ayşe Öztürk, Straße"
    assert printable("東京") == "??"


def test_without_the_label_font_text_loses_only_its_accents():
    assert label_pdf.cp1252_text("Łódź, Ťažký, Müller, Straße") == "Lódz, Tažký, Müller, Straße"
    assert label_pdf.cp1252_text("東京") == "??"


def test_label_data_is_checked_when_made():
    label = sample_label(1)
    with pytest.raises(ShippingInvalid, match="SSCC"):
        replace(label, sscc="106141412345678907")
    with pytest.raises(ShippingInvalid):
        replace(label, tracking_number="HC\u00e9")
    with pytest.raises(ShippingInvalid):
        replace(label, parcel_no=3, parcel_count=2)
    with pytest.raises(ShippingInvalid):
        replace(label, locker_id="123")  # no locker address
    with pytest.raises(ShippingInvalid):
        replace(label, locker_id="1", locker_address=LOCKER, pickup_store=STORE)
    with pytest.raises(ShippingInvalid):
        replace(label, weight_kg="0")
    with pytest.raises(ShippingInvalid):
        Address("", "Street 1", "10115", "Berlin")
    with pytest.raises(ShippingInvalid):
        Address("Name", "Street 1", "10115", "Berlin", "ZZ")


def test_an_empty_batch_is_refused():
    with pytest.raises(ShippingInvalid, match="no labels"):
        render_4x6([])
    with pytest.raises(ShippingInvalid):
        render_a4(iter(()))

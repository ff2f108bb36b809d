"""CSV import files: unreadable files, bad bytes and control characters, header problems,
the row limit, all-or-nothing writes, formula guards and number, flag and cell formats."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.csvfiles import (
    CsvValueError,
    csv_response,
    parse_decimal,
    parse_flag,
    parse_whole_number,
    safe_cell,
    unguard_cell,
)
from portal.inventory import imports, services
from portal.inventory.imports import ImportRejected, apply_import, preview_import
from portal.locations.models import Location
from tests.inventory.conftest import make_product
from tests.inventory.import_helpers import GOOD_PRODUCTS, csv, snapshot


@pytest.mark.parametrize(("data", "message"), [
    (b"", "The file is empty."),
    (b"\r\n  \r\n", "The file is empty."),
    (b"sku,name,price\r\n", "The file has a header but no rows."),
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "not a text file"),
    (b"sku,name,price\r\nA,\x81\x8d\x8f,1\r\n", "neither UTF-8 nor Windows-1252"),
])
def test_unreadable_files_get_one_clear_error(ctx, data, message):
    preview = preview_import("products", data, "x.csv")

    assert len(preview.errors) == 1 and message in preview.errors[0].message
    assert preview.errors[0].line is None
    assert not preview.can_apply


def test_a_nul_byte_after_the_first_4_kb_is_refused_with_its_line(ctx, users):
    rows = "".join(f"P-{n:03d},Product {n},1.00\n" for n in range(300))  # about 6 KB
    data = csv("sku,name,price\n" + rows + "NUL-1,Null\x00byte,2.00\n")
    assert data.index(b"\x00") > 4096
    before = snapshot()

    preview = preview_import("products", data, "nul.csv")

    assert [(e.line, e.column) for e in preview.errors] == [(302, "")]
    assert "Line 302 contains a NUL byte" in preview.errors[0].message
    assert not preview.can_apply
    with pytest.raises(ImportRejected):  # PostgreSQL refused the text with a 500 before
        apply_import("products", data, "nul.csv", users["manager"])
    assert snapshot() == before


def test_control_characters_in_values_are_errors_of_their_line(ctx):
    data = csv("sku,name,brand,price\n"
               "OK-1,Tab\tinside is fine,Nordkap,1.00\n"
               "BAD-1,Bell\x07,Nordkap,1.00\n"
               "BAD-2,Fine,Nordkap\x1f,1.00\n"              # at the end: not stripped away
               "BAD-3,Form\x0cfeed,Vertical\x0btab,1.00\n"
               "BAD-4,Delete\x7f,Nordkap,1.00\n")

    preview = preview_import("products", data, "ctl.csv")

    assert [(e.line, e.column) for e in preview.errors] == [
        (3, "name"), (4, "brand"), (5, "name"), (5, "brand"), (6, "name")]
    assert preview.errors[0].message == (
        "The value contains an invisible control character (U+0007); remove it.")
    assert (preview.rows, preview.created) == (5, 1)


def test_a_utf8_file_with_one_stray_windows_byte_is_refused_not_misread(ctx):
    data = csv("sku,name,brand,price\nM-1,Müller Jacke,Müller,1.00\n"
               "M-2,Jacke – blau,Nordkap,2.00\n").replace("–".encode(), b"\x96")

    preview = preview_import("products", data, "mixed.csv")

    assert [(e.line, e.column) for e in preview.errors] == [(3, "")]
    assert "not valid UTF-8 on line 3" in preview.errors[0].message
    assert not preview.can_apply
    with_bom = preview_import("products", b"\xef\xbb\xbfsku,name,price\r\nA,\x96,1\r\n", "b.csv")
    assert "not valid UTF-8 on line 2" in with_bom.errors[0].message  # a BOM says UTF-8


def test_export_guards_come_off_again_on_import(ctx, stores):
    sneaky = make_product("-RT-1", ean="4006381333931", name='=HYPERLINK("http://x","y")',
                          brand="-Brand", category="+Kat", tags="@tag -x")
    make_product("RT-2", name="'Rock'n'Roll'", brand="''=twice")  # no guard: kept as is
    Location.update(name="-Lager", street="=Hauptstr. 1", city="@Hamburg", longitude=-3.7
                    ).where(Location.code == "HAM").execute()
    services.receive_stock(sneaky, stores["HAM"], 3)

    for kind in ("products", "locations", "stock"):
        exported = b"".join(chunk.encode() for chunk in csv_response(
            f"{kind}.csv", list(imports.EXPORT_COLUMNS[kind]),
            imports.export_rows(kind)).response)
        assert b"'-" in exported, kind  # the export did guard something

        preview = preview_import(kind, exported, f"{kind}.csv")

        assert preview.errors == [], kind
        assert (preview.created, preview.updated) == (0, 0), (kind, preview.sample)
    # exactly one apostrophe goes, and only right before a formula character
    assert [unguard_cell(v) for v in ("'=1", "''=1", "'Rock'n'Roll'", "'\t1", "'")] == [
        "=1", "''=1", "'Rock'n'Roll'", "\t1", "'"]


def test_unknown_and_missing_columns_are_named_in_the_header(ctx):
    preview = preview_import("products", b"sku;name;colour\nA;B;red\n", "x.csv")

    assert [(e.line, e.column) for e in preview.errors] == [(1, "colour"), (1, "price")]
    assert "Expected columns: sku, ean, name, brand" in preview.errors[0].message
    assert "missing" in preview.errors[1].message


def test_a_file_over_the_row_limit_is_refused(ctx, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    rows = "".join(f"P-{n},Product {n},1.00\n" for n in range(5))

    preview = preview_import("products", ("sku,name,price\n" + rows).encode(), "big.csv")

    assert [(e.line, e.message) for e in preview.errors] == [
        (5, "More than 3 rows; split the file into smaller ones.")]


def test_a_failure_while_writing_rolls_everything_back(product, users, monkeypatch):
    before = snapshot()

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports, "record_audit", fail)
    with pytest.raises(RuntimeError):
        apply_import("products", GOOD_PRODUCTS, "products.csv", users["manager"])

    assert snapshot() == before


@pytest.mark.parametrize(("text", "number"), [
    ("1234.50", Decimal("1234.50")), ("1.234,50", Decimal("1234.50")),
    ("1,234.50", Decimal("1234.50")), ("12,5", Decimal("12.5")),
    ("1.234,50 €", Decimal("1234.50")), ("-3,70", Decimal("-3.70")),
    ("1.234.567", Decimal("1234567")), ("1.23,5", None), ("12.", None), ("abc", None),
    ("4,01235E+12", None)])
def test_numbers_in_english_and_german_style(text, number):
    if number is None:
        with pytest.raises(CsvValueError):
            parse_decimal(text)
    else:
        assert parse_decimal(text) == number


def test_whole_numbers_flags_and_export_cells():
    assert [parse_whole_number(t) for t in ("12", "1.000", "1,000", "-5")] == [
        12, 1000, 1000, -5]
    with pytest.raises(CsvValueError):
        parse_whole_number("1,5")
    assert [parse_flag(t) for t in ("1", "ja", "WAHR", "true", "0", "nein", "falsch")] == [
        True, True, True, True, False, False, False]
    assert [safe_cell(v) for v in (Decimal("-3.70"), -3.5, 7, True, "-1+2", "@SUM(A1)")] == [
        "-3,70", "-3,5", "7", "1", "'-1+2", "'@SUM(A1)"]

"""Product imports: preview then apply, updates by SKU, German Excel files, every bad
line reported with nothing changed, EANs and their check digits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.audit.models import AuditEvent
from portal.inventory.imports import ImportRejected, apply_import, gs1_check_digit, preview_import
from portal.inventory.models import Product
from tests.inventory.conftest import make_product
from tests.inventory.import_helpers import GOOD_PRODUCTS, csv, errors_by_line, snapshot


def test_good_file_previews_then_applies_creates_and_updates(product, users):
    before = snapshot()

    preview = preview_import("products", GOOD_PRODUCTS, "products.csv")

    assert preview.errors == []
    assert (preview.rows, preview.created, preview.updated, preview.unchanged) == (3, 2, 1, 0)
    assert preview.can_apply
    assert snapshot() == before  # a preview writes nothing
    first = preview.sample[0]
    assert (first.line, first.key, first.action) == (2, "SNK-1", "update")
    assert ("price", Decimal("49.99"), Decimal("59.90")) in first.fields
    assert ("ean", "4012345000017", "4012345000016") in first.fields  # check digit fixed

    result = apply_import("products", GOOD_PRODUCTS, "products.csv", users["manager"])

    assert (result.created, result.updated) == (2, 1)
    jacket = Product.get(Product.sku == "JKT-7")
    assert (jacket.price, jacket.tags, jacket.active) == (Decimal("1234.50"), "bulky outdoor",
                                                          True)
    cap = Product.get(Product.sku == "CAP-2")
    assert (cap.ean, cap.active, cap.weight_grams) == (None, False, 0)
    assert Product.get(Product.sku == "SNK-1").price == Decimal("59.90")
    event = AuditEvent.get(AuditEvent.action == "products.imported")
    assert event.user_id == users["manager"].id and '"created": 2' in event.detail


def test_applying_the_same_file_again_changes_nothing(product, users):
    apply_import("products", GOOD_PRODUCTS, "products.csv", users["manager"])

    preview = preview_import("products", GOOD_PRODUCTS, "products.csv")

    assert (preview.created, preview.updated, preview.unchanged) == (0, 0, 3)
    assert not preview.can_apply


def test_german_excel_file_with_semicolons_cp1252_and_decimal_commas(ctx, users):
    german = csv("""SKU;EAN;Name;Brand;Category;Price;Weight_grams;Tags;Active
WND-1;4006381333931;Wanderschuh Größe 42;Bergfüße;Schuhe;1.234,50;1.200;;ja
WND-2;;Überjacke „Föhn“;Bergfüße;Jacken;89,9;;;nein
""", encoding="cp1252")

    preview = preview_import("products", german, "Artikel.csv")
    assert preview.errors == []
    apply_import("products", german, "Artikel.csv", users["manager"])

    shoe = Product.get(Product.sku == "WND-1")
    assert (shoe.name, shoe.brand, shoe.price, shoe.weight_grams, shoe.active) == (
        "Wanderschuh Größe 42", "Bergfüße", Decimal("1234.50"), 1200, True)
    jacket = Product.get(Product.sku == "WND-2")
    assert (jacket.name, jacket.price, jacket.active) == ("Überjacke „Föhn“", Decimal("89.90"),
                                                          False)


def test_utf8_with_bom_and_columns_left_out_keep_stored_values(product, users):
    data = "\ufeffsku,name,price\nSNK-1,Runner schwarz,55.00\n".encode()

    apply_import("products", data, "p.csv", users["manager"])

    stored = Product.get(Product.sku == "SNK-1")
    assert (stored.price, stored.ean, stored.brand) == (Decimal("55.00"), "4012345000017",
                                                        "Nordkap")


def test_every_bad_line_is_reported_with_its_number_and_nothing_changes(product, users):
    make_product("OTHER", ean="4006381333931")
    bad = csv("""sku,ean,name,price,weight_grams,active
NEW-1,4012345000018,Wrong check digit,10.00,1,1
NEW-2,,No price,,1,1
NEW-3,,,5.00,1,1
NEW-1,,Twice,5.00,1,1
NEW-5,4006381333931,EAN of another product,5.00,1,1
NEW-6,,Bad numbers,-3,heavy,vielleicht
NEW-7,,Too few values
GOOD-1,,Fine,12.00,1,1
NEW 9,4.01235E+12,Excel mangled,1.234,1,1
""")
    before = snapshot()

    preview = preview_import("products", bad, "bad.csv")

    found = errors_by_line(preview)
    assert sorted(found) == [2, 3, 4, 5, 6, 7, 8, 10]
    assert found[2] == ["ean: Wrong check digit: 4012345000018 should end in 6."]
    assert found[3] == ["price: A value is required."]
    assert found[4] == ["name: A value is required."]
    assert "first on line 2" in found[5][0]
    assert "belongs to product OTHER" in found[6][0]
    assert len(found[7]) == 3  # price, weight and active
    assert "values, but the header has 6 columns" in found[8][0]
    assert {e.split(":")[0] for e in found[10]} == {"sku", "ean", "price"}
    assert preview.created == 1 and not preview.can_apply  # GOOD-1 counts, nothing applies
    with pytest.raises(ImportRejected) as rejected:
        apply_import("products", bad, "bad.csv", users["manager"])
    assert len(rejected.value.preview.errors) == len(preview.errors)
    assert snapshot() == before


def test_two_products_may_swap_their_eans_in_one_file(ctx, users):
    make_product("A", ean="4006381333931")
    make_product("B", ean="4012345000016")

    apply_import("products", csv("sku,ean,name,price\nA,4012345000016,A,1\nB,4006381333931,B,1\n"),
                 "swap.csv", users["manager"])

    assert Product.get(Product.sku == "A").ean == "4012345000016"
    assert Product.get(Product.sku == "B").ean == "4006381333931"


@pytest.mark.parametrize(("code", "valid"), [
    ("4006381333931", True), ("73513537", True), ("036000291452", True),
    ("10614141000415", True), ("4006381333932", False)])
def test_gs1_check_digit(code, valid):
    assert (gs1_check_digit(code[:-1]) == int(code[-1])) is valid


def test_unicode_digits_in_an_ean_are_an_error_not_a_crash(ctx):
    data = csv("sku,ean,name,price\nX-1,²²²²²²²²²²²²²,Thing,1.00\nX-2,٤٠١٢٣٤٥٠٠٠٠١٦,Thing,1.00\n")

    preview = preview_import("products", data, "x.csv")

    assert sorted(errors_by_line(preview)) == [2, 3]
    assert not preview.can_apply

"""CSV import services: a whole file is checked first, then applied all or nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.audit.models import AuditEvent
from portal.csvfiles import (
    CsvValueError,
    csv_response,
    parse_decimal,
    parse_flag,
    parse_whole_number,
    safe_cell,
    unguard_cell,
)
from portal.db import db
from portal.inventory import imports, services, stock_import
from portal.inventory.errors import StockError
from portal.inventory.imports import ImportRejected, apply_import, gs1_check_digit, preview_import
from portal.inventory.ledger import check_levels
from portal.inventory.models import Product, StockLevel, StockMovement
from portal.locations.models import Location
from tests.inventory.conftest import make_product
from tests.inventory.test_concurrency import run_in_threads


def csv(text: str, encoding: str = "utf-8") -> bytes:
    return text.replace("\n", "\r\n").encode(encoding)


def errors_by_line(preview) -> dict[int | None, list[str]]:
    found: dict[int | None, list[str]] = {}
    for line, column, message in preview.errors:
        found.setdefault(line, []).append(f"{column}: {message}")
    return found


def snapshot() -> tuple:
    """Everything an import may touch, to prove that nothing changed."""
    return (list(Product.select().order_by(Product.id).tuples()),
            list(Location.select().order_by(Location.id).tuples()),
            list(StockLevel.select().order_by(StockLevel.id).tuples()),
            StockMovement.select().count(), AuditEvent.select().count())


# -- products ------------------------------------------------------------------------

GOOD_PRODUCTS = csv("""sku,ean,name,brand,category,price,weight_grams,tags,active
SNK-1,4012345000016,Runner schwarz,Nordkap,Sneaker,59.90,800,high-demand,1
JKT-7,4006381333931,Rain jacket,Nordkap,Jackets,1234.50,650,bulky  outdoor,true
CAP-2,,Cap,,Accessories,9.99,,,0
""")


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


# -- file and header problems ----------------------------------------------------------

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


# -- locations -----------------------------------------------------------------------

def test_locations_upsert_by_code_with_german_numbers(stores, users):
    data = csv("""code;name;kind;city;country;latitude;longitude;ships;click_collect;priority
ber;Berlin Mitte;store;Berlin;de;52,5200;13,4050;ja;nein;50
MUC;München Marienplatz;store;München;DE;48,137;11,575;1;1;
""", encoding="cp1252")

    preview = preview_import("locations", data, "Filialen.csv")
    assert preview.errors == [] and (preview.created, preview.updated) == (1, 1)
    apply_import("locations", data, "Filialen.csv", users["admin"])

    berlin = Location.get(Location.code == "BER")
    assert (berlin.latitude, berlin.click_collect, berlin.priority) == (52.52, False, 50)
    munich = Location.get(Location.code == "MUC")
    assert (munich.name, munich.longitude, munich.priority, munich.active) == (
        "München Marienplatz", 11.575, 100, True)


def test_location_lines_break_the_same_rules_as_the_form(stores, users):
    data = csv("""code,name,kind,country,latitude,longitude,daily_capacity
NEW-1,Fine,warehouse,DE,,,
x,Bad code,store,DE,,,
NEW-3,Bad kind,shop,DE,,,
NEW-4,Bad country,store,Germany,,,
NEW-5,Only latitude,store,DE,50,,
NEW-6,Minus capacity,store,DE,,,-1
NEW-1,Twice,store,DE,,,
""")
    before = snapshot()

    preview = preview_import("locations", data, "l.csv")

    assert [(e.line, e.column) for e in preview.errors] == [
        (3, "code"), (4, "kind"), (5, "country"), (6, "latitude"), (7, "daily_capacity"),
        (8, "code")]
    assert preview.errors[2].message == "Two-letter ISO country code, e.g. DE."
    with pytest.raises(ImportRejected):
        apply_import("locations", data, "l.csv", users["admin"])
    assert snapshot() == before


# -- stock levels --------------------------------------------------------------------

def level(product, location) -> StockLevel:
    return StockLevel.get(StockLevel.product == product, StockLevel.location == location)


def test_stock_import_writes_one_ledger_row_per_changed_row(product, stores, users):
    other = make_product("SNK-2")
    services.receive_stock(product, stores["BER"], 10)
    services.receive_stock(product, stores["HAM"], 4)
    services.set_safety_stock(product, stores["HAM"], 1)
    ledger_before = StockMovement.select().count()
    data = csv("""sku;location;on_hand;safety_stock
SNK-1;BER;12;2
SNK-1;ham;4;1
SNK-1;WH;0;3
SNK-2;BER;7;
SNK-2;HAM;0;
""")

    preview = preview_import("stock", data, "stock.csv")
    assert preview.errors == []
    assert (preview.created, preview.updated, preview.unchanged) == (2, 1, 2)
    apply_import("stock", data, "stock.csv", users["manager"], reference="import abc")

    assert (level(product, stores["BER"]).on_hand, level(product, stores["BER"]).safety_stock
            ) == (12, 2)
    assert level(product, stores["WH"]).safety_stock == 3
    assert level(other, stores["BER"]).on_hand == 7
    assert not StockLevel.select().where(StockLevel.product == other,
                                         StockLevel.location == stores["HAM"]).exists()
    rows = list(StockMovement.select().order_by(StockMovement.id))[ledger_before:]
    assert [(r.product_id, r.location_id, r.kind, r.on_hand_delta, r.safety_delta)
            for r in rows] == [
        (product.id, stores["BER"].id, "adjustment", 2, 2),
        (product.id, stores["WH"].id, "safety_stock", 0, 3),
        (other.id, stores["BER"].id, "adjustment", 7, 0)]
    assert {(r.reason, r.reference, r.user_id) for r in rows} == {
        ("import: stock.csv", "import abc", users["manager"].id)}
    assert check_levels() == []  # the ledger still adds up to every level


def test_stock_import_refuses_on_hand_below_reserved(product, stores, users):
    services.receive_stock(product, stores["BER"], 10)
    services.reserve_stock(product, stores["BER"], 6, "OMS-1")
    data = csv("sku,location,on_hand\nSNK-1,HAM,5\nSNK-1,BER,5\n")
    before = snapshot()

    preview = preview_import("stock", data, "stock.csv")

    assert [(e.line, e.column) for e in preview.errors] == [(3, "on_hand")]
    assert "6 units of SNK-1 at BER are reserved" in preview.errors[0].message
    with pytest.raises(ImportRejected):
        apply_import("stock", data, "stock.csv", users["manager"])
    assert snapshot() == before


def test_stock_lines_with_unknown_keys_duplicates_and_bad_numbers(product, stores):
    data = csv("""sku,location,on_hand,safety_stock
NOPE,BER,1,
SNK-1,XXX,1,
SNK-1,BER,1,
SNK-1,BER,2,
SNK-1,HAM,-1,
SNK-1,WH,2000000,
,WH,1,
SNK-1,WH,,
""")

    preview = preview_import("stock", data, "stock.csv")

    assert [(e.line, e.column) for e in preview.errors] == [
        (2, "sku"), (3, "location"), (5, ""), (6, "on_hand"), (7, "on_hand"), (8, "sku"),
        (9, "on_hand")]
    assert "first on line 4" in preview.errors[2].message


def test_apply_checks_again_because_the_stock_may_have_changed(product, stores, users):
    services.receive_stock(product, stores["BER"], 10)
    data = csv("sku,location,on_hand\nSNK-1,BER,3\n")
    assert preview_import("stock", data, "stock.csv").can_apply
    services.reserve_stock(product, stores["BER"], 5, "OMS-2")  # meanwhile, an order

    with pytest.raises(ImportRejected) as rejected:
        apply_import("stock", data, "stock.csv", users["manager"])

    assert rejected.value.preview.errors[0].line == 2
    assert level(product, stores["BER"]).on_hand == 10


def test_a_row_changed_under_the_import_refuses_all_of_it(product, stores, users,
                                                          monkeypatch):
    services.receive_stock(product, stores["BER"], 10)
    services.receive_stock(product, stores["HAM"], 10)
    original = stock_import._write_stock

    def sneaky(changes, *args):
        StockLevel.update(on_hand=9).where(StockLevel.location == stores["HAM"]).execute()
        original(changes, *args)

    monkeypatch.setattr(stock_import, "_write_stock", sneaky)
    with pytest.raises(StockError, match="changed while the import ran"):
        apply_import("stock", csv("sku,location,on_hand\nSNK-1,BER,1\nSNK-1,HAM,2\n"),
                     "stock.csv", users["manager"])

    assert level(product, stores["BER"]).on_hand == 10
    assert level(product, stores["HAM"]).on_hand == 10  # the sneaky update rolled back too
    assert StockMovement.select().count() == 2


def test_big_stock_files_use_a_handful_of_queries(ctx, stores, users, monkeypatch):
    products = [make_product(f"P-{n:04d}") for n in range(300)]
    data = ("sku,location,on_hand\n" + "".join(
        f"{p.sku},{code},{n % 7}\n" for n, p in enumerate(products) for code in ("BER", "HAM"))
    ).encode()
    statements = []
    original = db.obj.execute_sql

    def counting(sql, *args, **kwargs):
        statements.append(sql)
        return original(sql, *args, **kwargs)

    monkeypatch.setattr(db.obj, "execute_sql", counting)
    preview = preview_import("stock", data, "stock.csv")

    assert preview.errors == [] and preview.created == 600 - 2 * 43  # n % 7 == 0 is no row
    assert len(statements) <= 5, statements


def test_a_stock_row_created_meanwhile_refuses_the_whole_import(product, stores, users,
                                                                monkeypatch):
    original = stock_import._write_stock

    def concurrent_insert(changes, *args):
        services.ensure_level(product.id, stores["HAM"].id)  # as another writer would
        original(changes, *args)

    monkeypatch.setattr(stock_import, "_write_stock", concurrent_insert)
    with pytest.raises(StockError, match="changed while the import ran"):
        apply_import("stock", csv("sku,location,on_hand\nSNK-1,BER,1\nSNK-1,HAM,2\n"),
                     "stock.csv", users["manager"])

    assert StockLevel.select().count() == 0 and StockMovement.select().count() == 0


def test_an_import_racing_reservations_applies_whole_or_not_at_all(app, product, stores):
    products = [product] + [make_product(f"SNK-{n}") for n in range(2, 5)]
    for item in products:
        services.receive_stock(item, stores["BER"], 10)
    data = csv("sku,location,on_hand\n" + "".join(f"{p.sku},BER,4\n" for p in products))
    db.close()

    def work(i):
        if i == 0:
            return apply_import("stock", data, "stock.csv", None)
        return services.reserve_stock(products[i % len(products)], stores["BER"], 3, f"O-{i}")

    results = run_in_threads(app, work, 9)

    levels = list(StockLevel.select())
    assert all(level.on_hand >= level.reserved for level in levels)
    assert check_levels() == []
    imported = not isinstance(results[0], Exception)
    if not imported:
        assert isinstance(results[0], ImportRejected | StockError), results[0]
    assert {level.on_hand for level in levels} == ({4} if imported else {10})


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


def test_unicode_digits_in_an_ean_are_an_error_not_a_crash(ctx):
    data = csv("sku,ean,name,price\nX-1,²²²²²²²²²²²²²,Thing,1.00\nX-2,٤٠١٢٣٤٥٠٠٠٠١٦,Thing,1.00\n")

    preview = preview_import("products", data, "x.csv")

    assert sorted(errors_by_line(preview)) == [2, 3]
    assert not preview.can_apply

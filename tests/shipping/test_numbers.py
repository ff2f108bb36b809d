"""Issuing tracking numbers and SSCCs against the real database (SQLite file or
PostgreSQL): valid, never twice, also from 20 threads at once."""

from __future__ import annotations

import peewee
import pytest

from portal.db import db, is_sqlite
from portal.shipping import gs1, services
from portal.shipping.carriers import HouseCarrier, get_carrier
from portal.shipping.errors import NumbersExhausted
from portal.shipping.models import Sscc, TrackingNumber
from tests.inventory.test_concurrency import run_in_threads

THREADS, EACH = 20, 10


def test_issued_tracking_numbers_are_valid_and_recorded(ctx):
    house = get_carrier("house")

    first, second = house.issue_tracking_number(), house.issue_tracking_number()

    assert first != second
    assert house.is_valid_tracking_number(first) and house.is_valid_tracking_number(second)
    rows = list(TrackingNumber.select().order_by(TrackingNumber.id))
    assert [(r.carrier, r.number) for r in rows] == [("house", first), ("house", second)]
    assert first == house.tracking_number_for(rows[0].id)


def test_tracking_numbers_are_unique_under_20_threads(app):
    house = HouseCarrier()

    results = run_in_threads(
        app, lambda i: [house.issue_tracking_number() for _ in range(EACH)], THREADS)

    assert [r for r in results if isinstance(r, Exception)] == []
    numbers = [n for batch in results for n in batch]
    assert len(numbers) == len(set(numbers)) == THREADS * EACH
    assert all(house.is_valid_tracking_number(n) for n in numbers)
    with app.app_context():
        assert TrackingNumber.select().where(TrackingNumber.number.is_null()).count() == 0
        assert TrackingNumber.select().count() == THREADS * EACH


def test_ssccs_are_valid_and_unique_under_20_threads(app):
    results = run_in_threads(
        app, lambda i: [services.issue_sscc(extension=i % 10) for _ in range(EACH)], THREADS)

    assert [r for r in results if isinstance(r, Exception)] == []
    codes = [c for batch in results for c in batch]
    assert len(set(codes)) == THREADS * EACH
    assert all(gs1.is_valid(c) and c[1:8] == gs1.DEFAULT_COMPANY_PREFIX for c in codes)
    with app.app_context():
        assert {s.sscc for s in Sscc.select()} == set(codes)


def test_the_database_refuses_a_number_twice(ctx):
    TrackingNumber.create(carrier="house", number="HC000000014DE")

    with pytest.raises(peewee.IntegrityError), db.atomic():
        TrackingNumber.create(carrier="other", number="HC000000014DE")


def test_an_exhausted_range_issues_nothing_and_leaves_no_row(ctx):
    with pytest.raises(NumbersExhausted):
        services.issue_tracking_number("full", lambda serial: None)

    assert TrackingNumber.select().count() == 0


def test_an_exhausted_sscc_range_issues_nothing(app, ctx):
    app.config["GS1_COMPANY_PREFIX"] = "4012345678"  # room for serials up to 999,999
    try:
        Sscc.create(id=10 ** 6 - 1, sscc=gs1.build_sscc(10 ** 6 - 1))
        if not is_sqlite():  # an explicit id does not move PostgreSQL's sequence
            db.execute_sql("SELECT setval(pg_get_serial_sequence('sscc', 'id'), %s)",
                           (10 ** 6 - 1,))
        with pytest.raises(NumbersExhausted, match="4012345678"):
            services.issue_sscc()
    finally:
        app.config["GS1_COMPANY_PREFIX"] = gs1.DEFAULT_COMPANY_PREFIX
    assert Sscc.select().count() == 1

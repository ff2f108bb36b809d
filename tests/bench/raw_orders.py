"""The raw cost of an API order's writes: the same rows written with the bare driver
(sqlite3 / psycopg), no Flask, no peewee query building, SQL text composed once.

Per order, as POST /api/v1/orders does it: the idempotency claim (a write on its own),
one transaction (the order with its number, its lines, the conditional stock UPDATEs,
their ledger rows, the reservations, the timeline event, the pending payment), and the
stored response. The sourcing decision row is left out: its shape belongs to the rule
engine. Column lists come from the models, so the SQL follows the schema.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import statistics
import time
from datetime import timedelta

from portal.api.idempotency import IdempotencyRecord
from portal.db import SQLITE_PRAGMAS, utcnow
from portal.inventory.models import StockMovement
from portal.orders.models import Order, OrderEvent, OrderLine, Reservation
from portal.payments.models import Payment
from tests.bench.harness import Result, percentile


def _insert_sql(model, skip=("id",), rows: int = 1, returning: str = "") -> tuple[str, list]:
    fields = [f for f in model._meta.sorted_fields if f.name not in skip]
    marks = "(" + ", ".join("?" * len(fields)) + ")"
    sql = (f'INSERT INTO "{model._meta.table_name}" ('  # noqa: S608 - names from the models
           + ", ".join(f'"{f.column_name}"' for f in fields) + ") VALUES "
           + ", ".join([marks] * rows) + (f" RETURNING {returning}" if returning else ""))
    return sql, fields


def _values(model, fields, **data) -> list:
    """One row's values, the model's defaults filled in and converted as peewee would."""
    row = model(**data).__data__
    return [f.db_value(row.get(f.name)) for f in fields]


class RawOrders:
    """Prepared statement texts for one database; ``place(n, ...)`` writes one order."""

    def __init__(self, url: str, products: list[tuple[int, object]], location_id: int):
        self.sqlite = url.startswith("sqlite")
        if self.sqlite:
            self.conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None,
                                        timeout=15)
            for name, value in SQLITE_PRAGMAS.items():
                self.conn.execute(f"PRAGMA {name} = {value}")
        else:
            import psycopg

            self.conn = psycopg.connect(url, autocommit=True)
        self.products, self.location_id = products, location_id
        table = Order._meta.table_name
        seq = ("(SELECT IFNULL(MAX(id), 0) + 1 AS id FROM sales_order)" if self.sqlite else
               f"(SELECT nextval(pg_get_serial_sequence('{table}', 'id')) AS id)")
        number = ("printf(? || '%06d', seq.id)" if self.sqlite else
                  "? || lpad(seq.id::text, greatest(6, length(seq.id::text)), '0')")
        self.order_fields = [f for f in Order._meta.sorted_fields
                             if f.name not in ("id", "number")]
        self.order_sql = (f'INSERT INTO "{table}" (id, number, '  # noqa: S608
                          + ", ".join(f'"{f.column_name}"' for f in self.order_fields)
                          + f") SELECT seq.id, {number}, "
                          + ", ".join("?" * len(self.order_fields))
                          + f" FROM {seq} AS seq RETURNING id, number")
        self.claim_sql, self.claim_fields = _insert_sql(IdempotencyRecord, returning="id")
        self.lines_sql, self.line_fields = _insert_sql(OrderLine, rows=3,
                                                       returning="line_no, id")
        self.moves_sql, self.move_fields = _insert_sql(StockMovement, rows=3)
        self.reserve_sql, self.reserve_fields = _insert_sql(Reservation, rows=3)
        self.event_sql, self.event_fields = _insert_sql(OrderEvent)
        self.payment_sql, self.payment_fields = _insert_sql(Payment)
        self.stock_sql = ("UPDATE stock_level SET reserved = reserved + ?, updated_at = ? "
                          "WHERE product_id = ? AND location_id = ? AND reserved + ? >= 0 "
                          "AND on_hand - reserved - safety_stock >= ?")
        self.response_sql = ("UPDATE idempotency_record SET status_code = ?, response_body = ? "
                             "WHERE id = ?")

    def _run(self, sql: str, params: list):
        return self.conn.execute(sql if self.sqlite else sql.replace("?", "%s"), params)

    def place(self, n: int, api_key_id: int) -> None:
        """Write order ``n`` (3 lines, one unit each) the way the API path does."""
        now = utcnow()
        claim = _values(IdempotencyRecord, self.claim_fields, api_key_id=api_key_id,
                        key=f"raw-{n}", request_hash="0" * 64)
        record_id = self._run(self.claim_sql, claim).fetchone()[0]
        picks = [self.products[(n + i * 7) % len(self.products)] for i in range(3)]
        order = Order(tracking_token=secrets.token_urlsafe(24), channel="web",
                      customer_name=f"Raw {n}", delivery_method="home", ship_name="Raw",
                      ship_street="Teststraße 1", ship_postcode="34123", ship_city="Kassel",
                      total=sum(price for _id, price in picks),
                      reserved_until=now + timedelta(minutes=30))
        order_row = [f.db_value(order.__data__.get(f.name)) for f in self.order_fields]
        with _sqlite_transaction(self.conn) if self.sqlite else self.conn.transaction():
            order_id, number = self._run(self.order_sql,
                                         [f"OMS-{now.year}-", *order_row]).fetchone()
            lines = [_values(OrderLine, self.line_fields, order=order_id, line_no=i + 1,
                             product=product_id, quantity=1, unit_price=price)
                     for i, (product_id, price) in enumerate(picks)]
            line_ids = dict(self._run(self.lines_sql, [v for row in lines for v in row])
                            .fetchall())
            for product_id, _price in sorted(picks):
                if self._run(self.stock_sql, [1, now, product_id, self.location_id, 1, 1]
                             ).rowcount != 1:
                    raise RuntimeError("raw bench ran out of stock")
            moves = [_values(StockMovement, self.move_fields, at=now, product=product_id,
                             location=self.location_id, kind="reservation",
                             reserved_delta=1, reference=number)
                     for product_id, _price in sorted(picks)]
            self._run(self.moves_sql, [v for row in moves for v in row])
            holds = [_values(Reservation, self.reserve_fields, line=line_ids[i + 1],
                             location=self.location_id, quantity=1, created_at=now)
                     for i in range(3)]
            self._run(self.reserve_sql, [v for row in holds for v in row])
            self._run(self.event_sql, _values(OrderEvent, self.event_fields, order=order_id,
                                              kind="created", to_status="pending_payment",
                                              actor="bench"))
            self._run(self.payment_sql, _values(Payment, self.payment_fields, order=order_id,
                                                provider="sandbox", method="card",
                                                amount=order.total,
                                                token=secrets.token_urlsafe(24)))
        body = json.dumps({"number": number, "status": "pending_payment"})
        self._run(self.response_sql, [201, body, record_id])

    def close(self) -> None:
        self.conn.close()


class _sqlite_transaction:  # noqa: N801 - used like the psycopg connection's "with"
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error), as portal.db.transaction() does."""

    def __init__(self, conn):
        self.conn = conn

    def __enter__(self):
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, *_):
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")


def raw_inserts(url: str, products, location_id: int, api_key_id: int,
                count: int = 200) -> Result:
    """Time ``count`` raw orders, one caller, after a short warm-up."""
    raw = RawOrders(url, products, location_id)
    try:
        for n in range(10):
            raw.place(10**7 + n, api_key_id)
        timings = []
        for n in range(count):
            started = time.perf_counter()
            raw.place(n, api_key_id)
            timings.append((time.perf_counter() - started) * 1000)
    finally:
        raw.close()
    return Result("same writes, bare driver (3 lines), 1 caller", count,
                  round(statistics.median(timings), 3), round(percentile(timings, 95), 3),
                  round(percentile(timings, 99), 3),
                  round(1000 / statistics.fmean(timings), 1))

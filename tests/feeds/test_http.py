"""URL feeds against a local HTTP server (pytest-httpserver): a good download, retries on
server errors and timeouts, and a run that fails after them with the stock untouched."""

from __future__ import annotations

import time

import pytest
from werkzeug import Response

from portal.feeds.importer import import_feed
from portal.feeds.models import SupplierFeed
from portal.inventory.ledger import check_levels
from portal.jobs.runner import run_job
from tests.feeds.conftest import levels_at, make_feed, opening_stock

GOOD = "sku,quantity\nA-1,3\nA-2,11\n"


@pytest.fixture
def http_settings(app):
    old = {k: app.config.get(k) for k in ("FEED_HTTP_ATTEMPTS", "FEED_HTTP_TIMEOUT",
                                          "FEED_RETRY_SECONDS")}
    app.config.update(FEED_HTTP_ATTEMPTS=3, FEED_HTTP_TIMEOUT=5.0, FEED_RETRY_SECONDS=0)
    yield app.config
    app.config.update(old)


def url_feed(supplier, httpserver, path="/stock.csv", **fields):
    return make_feed(supplier, source="url", url=httpserver.url_for(path),
                     delimiter=",", mapping={"sku": "sku", "quantity": "quantity"}, **fields)


def test_a_url_feed_is_downloaded_and_imported(supplier, httpserver, http_settings):
    opening_stock(supplier.location, {"A-1": (5, 0)})
    httpserver.expect_request("/stock.csv").respond_with_data(GOOD, content_type="text/csv")

    result = import_feed(url_feed(supplier, httpserver))

    assert result.status == "ok" and result.file.endswith("/stock.csv")
    assert levels_at(supplier.location) == {"A-1": 3, "A-2": 11} and check_levels() == []


def test_a_server_error_is_tried_again_then_the_run_fails(supplier, httpserver, http_settings):
    opening_stock(supplier.location, {"A-1": (5, 0)})
    httpserver.expect_request("/stock.csv").respond_with_data("down", status=500)

    result = import_feed(url_feed(supplier, httpserver))

    assert result.status == "failed" and "500" in result.message
    assert len(httpserver.log) == 3
    assert levels_at(supplier.location) == {"A-1": 5}
    feed = SupplierFeed.get_by_id(result.feed_id)
    assert feed.last_status == "failed" and "500" in feed.last_error


def test_a_server_error_then_success_imports(supplier, httpserver, http_settings):
    opening_stock(supplier.location, {})
    httpserver.expect_ordered_request("/stock.csv").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/stock.csv").respond_with_data(GOOD)

    result = import_feed(url_feed(supplier, httpserver))

    assert result.status == "ok" and len(httpserver.log) == 2
    assert levels_at(supplier.location) == {"A-1": 3, "A-2": 11}


def test_a_timeout_is_tried_again_then_the_run_fails(supplier, httpserver, http_settings,
                                                     caplog):
    opening_stock(supplier.location, {"A-1": (5, 0)})
    http_settings.update(FEED_HTTP_TIMEOUT=0.2, FEED_HTTP_ATTEMPTS=2)

    def slow(_request):
        time.sleep(0.6)
        return Response(GOOD)

    httpserver.expect_request("/slow.csv").respond_with_handler(slow)

    result = import_feed(url_feed(supplier, httpserver, "/slow.csv"))

    assert result.status == "failed" and "0.2" in result.message
    assert "attempt 1 failed" in caplog.text  # then attempt 2 timed out as well
    assert levels_at(supplier.location) == {"A-1": 5}


def test_a_client_error_is_not_tried_again(supplier, httpserver, http_settings):
    opening_stock(supplier.location, {})
    httpserver.expect_request("/gone.csv").respond_with_data("no", status=404)

    result = import_feed(url_feed(supplier, httpserver, "/gone.csv"))

    asked = [request for request, _response in httpserver.log if request.path == "/gone.csv"]
    assert result.status == "failed" and "404" in result.message and len(asked) == 1


def test_bad_lines_in_a_download_change_nothing(supplier, httpserver, http_settings):
    opening_stock(supplier.location, {"A-1": (5, 0)})
    httpserver.expect_request("/stock.csv").respond_with_data("sku,quantity\nA-1,2\nA-2,x\n")

    result = import_feed(url_feed(supplier, httpserver))

    assert result.status == "failed" and [p["line"] for p in result.problems][:1] == [3]
    assert levels_at(supplier.location) == {"A-1": 5}


def test_the_feeds_job_run_fails_when_a_feed_answers_500_after_its_retries(
        supplier, httpserver, http_settings, drop_dir):
    """Issue #9: "HTTP 500 (retry, then failed run)" through the jobs runner; a good feed
    in the same run is still imported."""
    from tests.conftest import make_store
    from tests.feeds.conftest import make_feed

    opening_stock(supplier.location, {"A-1": (5, 0)})
    httpserver.expect_request("/stock.csv").respond_with_data("down", status=500)
    url_feed(supplier, httpserver)
    (drop_dir / "nordwest" / "stock.csv").write_text("Artikel;Bestand\nA-2;4\n")
    other = make_store("PART-1", "Partner Lager", 50.0, 8.0, kind="partner")
    make_feed(supplier, name="Partner", location=other)

    run = run_job("feeds", "schedule")

    assert run.status == "failed" and len(httpserver.log) == 3
    assert "1 of 2 feeds failed" in run.message and "500" in run.message
    assert run.rows_changed == 1 and levels_at(other) == {"A-2": 4}
    assert any(e["message"].startswith("Nordwest stock: ") and "500" in e["message"]
               for e in run.error_list)
    assert levels_at(supplier.location) == {"A-1": 5} and check_levels() == []


def test_the_feeds_job_run_succeeds_when_every_due_feed_imports(
        supplier, httpserver, http_settings):
    opening_stock(supplier.location, {"A-1": (5, 0)})
    httpserver.expect_request("/stock.csv").respond_with_data(GOOD)
    url_feed(supplier, httpserver)

    run = run_job("feeds", "schedule")

    assert (run.status, run.rows_read, run.rows_changed, run.error_count) == (
        "succeeded", 2, 2, 0)
    assert levels_at(supplier.location) == {"A-1": 3, "A-2": 11}

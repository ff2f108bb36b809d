"""Error pages, JSON errors, upload limits and security headers."""

from __future__ import annotations


def test_unknown_page_is_a_styled_404(client):
    response = client.get("/no/such/page")

    assert response.status_code == 404
    assert "This page does not exist" in response.get_data(as_text=True)
    assert 'class="error-code"' in response.get_data(as_text=True)


def test_crash_shows_the_500_page_without_details(client):
    response = client.get("/test-crash")

    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in page
    assert "kaboom" not in page and "Traceback" not in page


def test_crash_under_api_is_json(client):
    response = client.get("/api/v1/test-crash")

    assert response.status_code == 500
    assert response.json["error"]["code"] == "server_error"


def test_oversized_body_is_413(client, app):
    limit = app.config["MAX_CONTENT_LENGTH"]

    response = client.post("/login", data={"email": "x" * (limit + 10)})

    assert response.status_code == 413
    assert "The upload is too large." in response.get_data(as_text=True)


def test_wrong_method_is_a_405_page(client):
    response = client.get("/logout")

    assert response.status_code == 405
    assert "This action is not allowed here." in response.get_data(as_text=True)


def test_security_headers_on_pages(client):
    headers = client.get("/login").headers

    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_templates_use_no_inline_script_or_style(app):
    """The CSP forbids inline code; a template that used it would silently break."""
    import pathlib
    import re

    offenders = []
    for path in pathlib.Path(app.template_folder).rglob("*.html"):
        text = path.read_text()
        # <script type="application/json"> holds data, which the CSP does not run
        inline_script = re.search(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))", text)
        if inline_script or re.search(r"\sstyle=", text) \
                or "<style" in text or re.search(r"\son[a-z]+=", text):
            offenders.append(path.name)
    assert offenders == []


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_htmx_is_vendored_with_its_licence(app):
    import pathlib

    vendor = pathlib.Path(app.static_folder) / "vendor" / "htmx"
    assert (vendor / "LICENSE").read_text().startswith("Zero-Clause BSD")
    assert 'version:"2.' in (vendor / "htmx.min.js").read_text()


def test_nul_bytes_in_input_are_a_400(client, users):
    from tests.conftest import csrf_token

    assert client.get("/login?next=%00").status_code == 400
    response = client.post("/login", data={"email": "a\x00@example.com", "password": "x",
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 400


def test_htmx_errors_replace_the_page_content_not_the_target(client):
    response = client.get("/no/such/page", headers={"HX-Request": "true",
                                                    "HX-Current-URL": "http://x/stock/"})

    assert response.status_code == 404
    assert response.headers["HX-Retarget"] == "#main"
    page = response.get_data(as_text=True)
    assert "<html" not in page and "error-code" in page and "Reload the page" in page


def test_huge_ids_and_nul_bytes_in_paths_are_not_server_errors(client, users):
    assert client.get("/admin/users/99999999999999999999999").status_code in (302, 404)
    assert client.get("/locations/%00").status_code == 400

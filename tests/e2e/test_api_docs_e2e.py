"""OUT-4: the API's documentation page (Swagger UI at /api/docs) renders in
a real browser from the app's own static files: no request leaves the
server (nothing from a CDN), and the page's content-security policy
(script-src 'self') is not broken."""

import re

import pytest

from .test_login_e2e import login

pytestmark = pytest.mark.e2e


def test_api_docs_render_from_the_apps_own_files(page, e2e_server):
    requests, problems = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    login(page, "duchashi")
    page.wait_for_url(e2e_server + "/")
    page.goto("/api/docs")
    page.locator(".opblock").first.wait_for(timeout=20000)
    assert "督办平台接口" in page.locator("body").inner_text()
    # The operations of the supervision API are listed, documents and import included.
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    for path in ("/api/supervision/matters", "/api/supervision/ledger", "/api/supervision/import"):
        assert any(re.sub(r"\s", "", p) == path for p in paths), path
    outside = [u for u in requests if not u.startswith(e2e_server) and not u.startswith("data:")]
    assert outside == [], outside
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems

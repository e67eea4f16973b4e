"""Every page a user reaches by following the links in front of them
works in a real browser: no link leads to an error page (a link to a form
the user may not use is not shown), nothing is refused by the pages'
content-security policy (no inline styles or scripts), and no request
leaves the server (no CDN, ORG-3's 'nothing from outside')."""

import re
from urllib.parse import urljoin, urlsplit

import pytest

from .test_login_e2e import login

pytestmark = pytest.mark.e2e

# Not followed: downloads, signing out, the admin, the API, and forms that
# act on the demo data are only opened, never submitted.
SKIP = ("logout", "export", ".docx", ".xlsx", "/files/", "template", "download", "/admin/", "/api/")
MAX_PAGES = 60
SAME_SHAPE = 2  # pages per URL shape (/matters/N/ …) worth opening


def _shape(path):
    return re.sub(r"\d+", "N", path)


@pytest.mark.parametrize("username", ["duchashi", "jiaoyu_lly", "caizheng_b", "xianzhang", "zhiban", "auditor"])
def test_the_links_a_user_sees_lead_to_working_pages(page, e2e_server, username):
    failed, refused, outside = [], [], []
    page.on("response", lambda r: failed.append((r.status, r.url)) if r.status >= 400 else None)
    page.on("console", lambda m: refused.append((page.url, m.text))
            if m.type == "error" and ("Content Security Policy" in m.text or "Refused" in m.text) else None)
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith(e2e_server) and not r.url.startswith("data:") else None)
    login(page, username)
    page.wait_for_url(e2e_server + "/")
    seen, todo, found_on = [], ["/"], {"/": "(登录后)"}
    while todo and len(seen) < MAX_PAGES:
        path = todo.pop(0)
        seen.append(path)
        page.goto(path)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
                continue
            url = urlsplit(urljoin(e2e_server + path, href))
            if f"{url.scheme}://{url.netloc}" != e2e_server:
                outside.append(href)
                continue
            target = url.path + (f"?{url.query}" if url.query else "")
            if any(s in target for s in SKIP) or target in seen or target in todo:
                continue
            if sum(_shape(p) == _shape(target) for p in seen + todo) >= SAME_SHAPE:
                continue
            todo.append(target)
            found_on[target] = path
    assert len(seen) >= 10, seen  # the crawl went somewhere
    assert failed == [], [(status, url, "链接所在页面：" + found_on.get(url.removeprefix(e2e_server), "?"))
                          for status, url in failed]
    assert refused == [], refused
    assert outside == [], outside

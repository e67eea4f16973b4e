"""OUT-4: the documented API, with session and token authentication, read
through the visibility module."""

import json

from django.test import Client

from duban.api.services import issue_token, revoke_token
from duban.journal.models import Event


def test_out4_openapi_schema_is_published(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/me" in schema["paths"] and "/api/units" in schema["paths"]


def test_out4_openapi_schema_has_no_duplicate_keys(client):
    """Swagger UI reads the schema with a YAML parser, which refuses a key
    given twice in one object (ninja's 401 beside the documented "401" left
    the docs page empty)."""
    duplicates = []

    def pairs(items):
        keys = [k for k, _ in items]
        duplicates.extend(k for k in set(keys) if keys.count(k) > 1)
        return dict(items)

    json.loads(client.get("/api/openapi.json").content, object_pairs_hook=pairs)
    assert duplicates == []


def test_out4_every_schema_of_the_api_has_a_name_of_its_own():
    """The published schema names each model by its class name, and a
    second class of the same name silently replaces the first: the answers
    of one app were then described by another app's schema (CI's fuzzing
    found a campaign's dashboard checked against the assessment's)."""
    import importlib
    import inspect
    import pkgutil

    from ninja import Schema

    import duban.api

    seen: dict[str, set] = {}
    for info in pkgutil.iter_modules(duban.api.__path__):
        module = importlib.import_module(f"duban.api.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Schema) and cls.__module__.startswith("duban."):
                seen.setdefault(cls.__name__, set()).add(f"{cls.__module__}.{cls.__qualname__}")
    assert {name: where for name, where in seen.items() if len(where) > 1} == {}


def test_out4_anonymous_calls_are_refused(db):
    assert Client().get("/api/me").status_code == 401


def test_out4_me_with_session(client, county):
    client.force_login(county.supervisor)
    data = client.get("/api/me").json()
    assert data["username"] == "duchashi" and data["unit"]["name"] == "督查室"
    assert {"code": "supervisor", "name": "督查室"} in data["roles"]
    assert [u["name"] for u in data["jurisdictions"]] == ["县人民政府"]


def test_out4_token_authentication_and_revocation(county):
    token, raw = issue_token(county.edu_user, "对接测试")
    c = Client()
    assert c.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}").json()["unit"]["name"] == "县教育局"
    assert c.get("/api/me", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    revoke_token(token)
    assert c.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert Event.objects.filter(action="api.token.issue").exists()
    assert raw not in json.dumps(list(Event.objects.values_list("after", flat=True)), ensure_ascii=False)


def test_out4_unit_tree_in_tree_order_and_subtree(client, county):
    client.force_login(county.edu_user)
    units = client.get("/api/units").json()
    assert units[0]["name"] == "县人民政府"
    assert [u["path"] for u in units] == sorted(u["path"] for u in units)
    sub = client.get("/api/units", {"root": county.edu.pk}).json()
    assert {u["name"] for u in sub} == {"县教育局", "基础教育股"}
    detail = client.get(f"/api/units/{county.edu.pk}").json()
    assert {p["name"] for p in detail["people"]} == {"张教育", "王局长"}
    assert client.get("/api/units/999999").status_code == 404

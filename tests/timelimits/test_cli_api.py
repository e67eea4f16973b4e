"""TL-2: the deadline command and GET /api/deadline."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from duban.timelimits import services
from duban.timelimits.services import HolidayRange

pytestmark = pytest.mark.django_db

EXPECTED_EXPLANATION = (
    "自2026-09-30起算7个工作日（不含当日），跨越国庆节（10月1日至7日，共7天），"
    "遇调休上班日10月10日（星期六），截止于2026-10-15 23:59:59"
)


def run(*args):
    out = io.StringIO()
    call_command("deadline", *args, stdout=out)
    return out.getvalue().splitlines()


def test_tl2_command_prints_iso_due_then_explanation():
    lines = run("--start", "2026-09-30 15:00", "--limit", "7wd")
    assert lines == ["2026-10-15T23:59:59+08:00", EXPECTED_EXPLANATION]


def test_tl2_command_spring_festival_and_roll_forward_switch():
    assert run("--start", "2026-02-12 10:00", "--limit", "3d")[0] == "2026-02-24T23:59:59+08:00"
    assert run("--start", "2026-02-12 10:00", "--limit", "3d", "--no-roll-forward")[0] == "2026-02-15T23:59:59+08:00"


PROVISIONAL_7WD = (
    "自2026-12-28起算7个工作日（不含当日），跨越元旦（2027年1月1日，共1天），截止于2027-01-07 23:59:59，"
    "暂定：2027年节假日安排国务院尚未公布，按《全国年节及纪念日放假办法》（2024年修订）的法定节假日及补假计算"
    "（不含调休），公布后自动校正"
)


def test_tl1_command_computes_a_provisional_year_and_says_so():
    assert run("--start", "2026-12-28 10:00", "--limit", "7wd") == ["2027-01-07T23:59:59+08:00", PROVISIONAL_7WD]


def test_tl1_command_refuses_a_year_outside_the_computation_naming_it():
    with pytest.raises(CommandError, match="^2100年不在工作日历的计算范围内（2004年至2099年），无法计算该时限$"):
        run("--start", "2099-12-28 10:00", "--limit", "7wd")


@pytest.mark.parametrize(("args", "message"), [
    (("--start", "2026-09-30 15:00", "--limit", "7x"), "时限“7x”无法识别"),
    (("--start", "下周一", "--limit", "7wd"), "起算时间“下周一”无法识别"),
])
def test_tl2_command_bad_input_is_a_clear_chinese_message(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_tl2_command_exits_non_zero_in_a_real_process(tmp_path):
    """The command as an operator runs it: exit status and stderr."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    # The test database belongs to this process; the subprocess migrates its own file.
    db = tmp_path / "cli.sqlite3"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "duban.settings_test", "DUBAN_SQLITE_PATH": str(db)}
    env.pop("DATABASE_URL", None)
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, capture_output=True)
    ok = subprocess.run([*manage, "deadline", "--start", "2026-09-30 15:00", "--limit", "7wd"], env=env,
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines() == ["2026-10-15T23:59:59+08:00", EXPECTED_EXPLANATION]
    # 2027: no notice yet -- provisional, never refused.
    provisional = subprocess.run([*manage, "deadline", "--start", "2026-12-28 10:00", "--limit", "7wd"], env=env,
                                 capture_output=True, text=True)
    assert provisional.returncode == 0, provisional.stderr
    due, explanation = provisional.stdout.splitlines()
    assert due == "2027-01-07T23:59:59+08:00"
    assert "暂定" in explanation and explanation == PROVISIONAL_7WD
    bad = subprocess.run([*manage, "deadline", "--start", "2099-12-28 10:00", "--limit", "7wd"], env=env,
                         capture_output=True, text=True)
    assert bad.returncode != 0
    assert "2100年不在工作日历的计算范围内（2004年至2099年），无法计算该时限" in bad.stderr


# ---- API -------------------------------------------------------------------------------


@pytest.fixture
def api_client(client, county):
    client.force_login(county.edu_user)
    return client


def test_tl2_api_deadline(api_client):
    r = api_client.get("/api/deadline", {"start": "2026-09-30T15:00:00+08:00", "limit": "7wd"})
    assert r.status_code == 200, r.content
    assert r.json() == {
        "due": "2026-10-15T23:59:59+08:00",
        "explanation": EXPECTED_EXPLANATION,
        "limit": "7wd",
        "start": "2026-09-30T15:00:00+08:00",
        "roll_forward": True,
        "provisional": False,
        "provisional_years": [],
    }


def test_tl2_api_deadline_tolerates_a_plus_lost_in_the_query(api_client):
    r = api_client.get("/api/deadline?start=2026-09-30T15:00:00+08:00&limit=7wd")
    assert r.status_code == 200, r.content
    assert r.json()["due"] == "2026-10-15T23:59:59+08:00"


def test_tl2_api_roll_forward_switch(api_client):
    on = api_client.get("/api/deadline", {"start": "2026-09-30 15:00", "limit": "3d"}).json()
    off = api_client.get("/api/deadline", {"start": "2026-09-30 15:00", "limit": "3d", "roll_forward": "false"}).json()
    assert on["due"] == "2026-10-08T23:59:59+08:00"
    assert off["due"] == "2026-10-03T23:59:59+08:00" and off["roll_forward"] is False


def test_tl1_api_marks_a_provisional_deadline(api_client):
    r = api_client.get("/api/deadline", {"start": "2026-12-28 10:00", "limit": "7wd"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["due"] == "2027-01-07T23:59:59+08:00"
    assert body["provisional"] is True and body["provisional_years"] == [2027]
    assert body["explanation"] == PROVISIONAL_7WD
    # Across two provisional years.
    body = api_client.get("/api/deadline", {"start": "2027-12-20 10:00", "limit": "2mo"}).json()
    assert body["provisional_years"] == [2028]
    body = api_client.get("/api/deadline", {"start": "2026-12-20 10:00", "limit": "300wd"}).json()
    assert body["provisional_years"] == [2027, 2028]
    # Clock time is never provisional.
    body = api_client.get("/api/deadline", {"start": "2027-03-01 10:00", "limit": "2h"}).json()
    assert body["provisional"] is False and body["provisional_years"] == []


def test_tl1_api_year_outside_the_computation_is_422_naming_it(api_client):
    r = api_client.get("/api/deadline", {"start": "2099-12-28 10:00", "limit": "7wd"})
    assert r.status_code == 422
    assert r.json() == {"detail": "2100年不在工作日历的计算范围内（2004年至2099年），无法计算该时限",
                        "errors": {}, "code": "calendar_missing"}


def test_tl2_api_bad_limit_is_422_with_chinese_message(api_client):
    r = api_client.get("/api/deadline", {"start": "2026-09-30 15:00", "limit": "七天"})
    assert r.status_code == 422
    assert "时限“七天”无法识别" in json.loads(r.content)["detail"]


def test_tl2_api_requires_authentication(client, db):
    r = client.get("/api/deadline", {"start": "2026-09-30 15:00", "limit": "7wd"})
    assert r.status_code == 401


def test_tl1_api_uses_a_new_year_at_once(api_client, county):
    services.enter_year(2027, holidays=[HolidayRange("元旦", dt.date(2027, 1, 1), dt.date(2027, 1, 3))],
                        adjusted_workdays=[], by=county.sysadmin)
    # The notice gives 1/1-1/3 (Friday to Sunday): the same day, now official.
    r = api_client.get("/api/deadline", {"start": "2026-12-28 10:00", "limit": "7wd"})
    assert r.status_code == 200
    assert r.json()["due"] == "2027-01-07T23:59:59+08:00"
    assert r.json()["provisional"] is False and "暂定" not in r.json()["explanation"]


def test_tl2_api_is_in_the_openapi_schema(api_client):
    schema = api_client.get("/api/openapi.json").json()
    assert "/api/deadline" in schema["paths"]
    fields = schema["components"]["schemas"]["DeadlineOut"]["properties"]
    assert fields["provisional"]["type"] == "boolean"
    assert fields["provisional_years"]["type"] == "array"

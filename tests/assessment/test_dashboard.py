"""OUT-3: the dashboards read the precomputed tallies; every bar carries the
address of the list behind it, and that list shows the records counted;
the tallies are refreshed by the sweep's periodic job only when due; the
page's number of queries does not grow with the records; a unit's liaison
has no dashboard, and a non-leader no leader's dashboard."""

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from duban.assessment import dashboard, services, tallies
from duban.assessment.models import DashboardTally

from .conftest import AFTER, local, matter

pytestmark = [pytest.mark.django_db, pytest.mark.anydate]  # the pages read the real clock (this year, lights now)


def chart(board, chart_id):
    return next(c for c in board.charts if c.id == chart_id)


def test_out3_each_bar_links_to_the_list_that_shows_its_records(q1, client):
    c = q1
    services.publish_period(c.period, c.supervisor, at=AFTER)
    done = tallies.refresh(AFTER)
    assert done.rows == DashboardTally.objects.count() > 0
    b = dashboard.board(c.supervisor, now=AFTER)
    overdue = chart(b, "chart-overdue")
    cats = overdue.option["yAxis"]["data"]
    assert cats == ["县财政局"], cats
    red = overdue.option["series"][0]["data"][0]
    assert red["value"] == 1 and red["link"] == reverse("supervision:office") + f"?unit={c.fin.pk}&light=red"
    client.force_login(c.supervisor)
    listed = client.get(red["link"]).content.decode()
    assert c.b.title in listed and "校园安全隐患排查整治" not in listed
    # The page draws the charts of the moment (the open lights, the last twelve months), with the same links.
    page = client.get("/assessment/dashboard/").content.decode()
    for cid in ("chart-overdue", "chart-trend"):
        assert f'data-chart="{cid}"' in page, cid
    assert red["link"].replace("&", "&amp;") in page
    assert [x.id for x in b.charts[:5]] == ["chart-overdue", "chart-trend", "chart-sources", "chart-rectification",
                                            "chart-categories"]
    assert chart(b, "chart-sources").rows  # the quarter's year at AFTER
    ranks = [x for x in b.charts if x.id.startswith("chart-rank-")]
    assert ranks and all(d["link"].startswith("/assessment/results/") for r in ranks
                         for d in r.option["series"][0]["data"])
    duty = chart(b, "chart-duty")
    assert duty.option["yAxis"]["data"] == ["城关镇"]
    link = duty.rows[0][0][1]
    assert link.startswith("/assessment/records/")
    assert "城关镇老街民房火灾" in client.get(link).content.decode()


def test_out3_the_sweep_refreshes_when_due_and_the_tallies_follow_the_records(q1):
    c = q1
    first = tallies.refresh_if_due(AFTER)
    assert first is not None and first.rows > 0
    # Within the interval: nothing to do.
    assert tallies.refresh_if_due(AFTER + dt.timedelta(seconds=30)) is None
    # Past the interval, but the journal has not moved: still nothing, until ten intervals.
    assert tallies.refresh_if_due(AFTER + dt.timedelta(seconds=90)) is None
    assert tallies.refresh_if_due(AFTER + dt.timedelta(minutes=11)) is not None
    matter(c, local(2026, 4, 10, 11), title="城区道路改造督办", lead_unit=c.town, lead_person=c.town_user,
           due_at=local(2026, 4, 30, 18))
    again = tallies.refresh_if_due(AFTER + dt.timedelta(minutes=13))
    assert again is not None and again.changed > 0
    town = DashboardTally.objects.get(metric="supervision.lights", unit=c.town, key="green")
    county = DashboardTally.objects.get(metric="supervision.lights", unit=c.gov, key="green")
    assert (town.value, county.value) == (1, 1)


def test_out3_the_dashboard_keeps_its_number_of_queries(q1, client):
    c = q1
    client.force_login(c.supervisor)
    tallies.refresh(AFTER)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/assessment/dashboard/").status_code == 200
        return len(ctx)

    before = count()
    for i in range(5):
        matter(c, local(2026, 4, 3, 9), title=f"督办事项{i}", lead_unit=c.town if i % 2 else c.fin,
               lead_person=c.town_user if i % 2 else c.fin_user, due_at=local(2026, 4, 8, 18))
    tallies.refresh(AFTER)
    assert count() == before


def test_out3_only_those_with_a_jurisdiction_have_a_dashboard(q1, client):
    c = q1
    tallies.refresh(AFTER)
    client.force_login(c.town_user)
    assert client.get("/assessment/dashboard/").status_code == 404
    client.force_login(c.supervisor)
    assert client.get("/assessment/dashboard/leader/").status_code == 404
    client.force_login(c.leader)
    page = client.get("/assessment/dashboard/leader/").content.decode()
    assert 'id="mine"' in page
    # The leader instructed both matters: matter B is red on their own card.
    mine = re.search(r'<section class="card mine".*?</section>', page, re.S).group(0)
    assert "红灯（超期）" in mine and reverse("supervision:leader") + "?light=red" in mine
    data = json.loads(re.search(r'<script id="chart-overdue" type="application/json">(.*?)</script>', page,
                                re.S).group(1)) if 'id="chart-overdue"' in page else None
    assert data is None or data["series"][0]["data"]

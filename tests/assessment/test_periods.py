"""EVAL-2 on the database: a quarter computed from the records of the apps
(through the registry of duban.core.assessing only), every figure down to
its records, lead and cooperating weights, offices rolled up into their
department; publishing freezes the period and journals the hash of its
input set; a recheck says whether, and what, changed. Property test:
freezing and recomputing an unchanged period gives the same hash."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duban.assessment import services
from duban.assessment.models import ErrorCategory, Figure, InputRecord, PeriodState, Result
from duban.journal.chain import verify
from duban.journal.models import Event

from .conftest import AFTER, local

pytestmark = pytest.mark.django_db


def fig(period, unit, code):
    return Figure.objects.get(period=period, unit=unit, indicator=code)


def test_eval2_figures_come_from_the_records_with_lead_and_coop_weights(q1):
    c = q1
    services.compute_period(c.period, c.supervisor, at=AFTER)
    # 县教育局 led A (on time) and, through its office, the sub-task (breached): 1 of 2
    edu = fig(c.period, c.edu, "on_time_rate")
    assert (edu.value, edu.base, edu.raw) == (Decimal(1), Decimal(2), Decimal(50))
    sub = InputRecord.objects.get(period=c.period, indicator="on_time_rate", ref=f"supervision.matter:{c.sub.pk}")
    assert sub.unit_id == c.edu.pk and sub.source_unit_id == c.edu_office.pk and sub.role == "lead"
    # 县财政局 cooperated on A (0.5 × on time) and led B (late): 0.5 of 1.5
    fin = fig(c.period, c.fin, "on_time_rate")
    assert (fin.value, fin.base) == (Decimal("0.5"), Decimal("1.5")) and fin.raw == Decimal("33.3333")
    coop = InputRecord.objects.get(period=c.period, indicator="on_time_rate", unit=c.fin,
                                   ref=f"supervision.matter:{c.a.pk}")
    assert coop.role == "coop" and coop.weight == Decimal("0.50")
    assert fig(c.period, c.fin, "overdue").value == 1 and fig(c.period, c.edu, "overdue").value == 1
    assert InputRecord.objects.filter(period=c.period, indicator="urges", unit=c.fin,
                                      ref=f"supervision.urge:{c.urge.pk}").exists()
    # 城关镇: 5 minutes late on the phone, the written report never came (counted to the quarter's end)
    minutes = InputRecord.objects.filter(period=c.period, indicator="duty_late", unit=c.town)
    assert sorted(m.note[:4] for m in minutes) == ["书面报告", "电话报告"]
    assert any(m.value == 5 for m in minutes)
    assert fig(c.period, c.town, "errors").value == 1
    # towns are compared with towns only; a unit without base gets its group's mean
    town = Result.objects.get(period=c.period, unit=c.town)
    assert town.group == "town" and town.group_size == 1 and town.rank == 1
    office = fig(c.period, c.office, "on_time_rate")
    assert office.raw is None and "平均" in office.note
    ranks = dict(Result.objects.filter(period=c.period, group="department").values_list("unit__name", "rank"))
    # 县教育局 did best of those with matters due; 县政府办公室 had none (means and full marks); 县财政局 last
    assert ranks == {"县教育局": 1, "县政府办公室": 2, "县财政局": 3}
    assert "portal.ratings" in " ".join(c.period.notes)  # the public rating waits for the portal
    assert Event.objects.filter(action="assessment.period.compute", object_id=str(c.period.pk)).exists()


def test_eval2_publish_freezes_journals_the_hash_and_a_recheck_names_the_change(q1):
    c = q1
    with pytest.raises(ValidationError, match="结束后才能结算发布"):
        services.publish_period(c.period, c.supervisor, at=local(2026, 3, 31, 12))
    with pytest.raises(PermissionDenied):
        services.publish_period(c.period, c.edu_user, at=AFTER)
    p = services.publish_period(c.period, c.supervisor, at=AFTER)
    assert p.state == PeriodState.PUBLISHED and len(p.input_hash) == 64
    event = Event.objects.get(action="assessment.period.publish", object_id=str(p.pk))
    assert event.after["input_hash"] == p.input_hash and event.occurred_at == AFTER
    with pytest.raises(ValidationError, match="已冻结"):
        services.compute_period(p, c.supervisor, at=AFTER)
    same = services.recheck_period(p, c.supervisor, at=AFTER + dt.timedelta(days=3))
    assert same.same and same.new_hash == p.input_hash and not (same.added or same.removed or same.changed)
    # 城关镇 objects to its error in time; decided after publication, the error is revoked
    services.object_to_error(c.typo, c.town_user, reason="数据来自县统计局口径。", at=local(2026, 3, 20, 10))
    services.decide_objection(c.typo, c.supervisor, decision="revoked", reason="经核实属实。",
                              at=AFTER + dt.timedelta(days=5))
    check = services.recheck_period(p, c.supervisor, at=AFTER + dt.timedelta(days=6))
    assert not check.same and check.old_hash == p.input_hash and check.new_hash != p.input_hash
    assert [(x.indicator, x.ref) for x in check.removed] == [("errors", f"assessment.error:{c.typo.pk}")]
    assert not check.added and not check.changed
    # the published figures stay as published
    assert fig(p, c.town, "errors").value == 1
    p.refresh_from_db()
    assert p.check_hash == check.new_hash and p.input_hash == event.after["input_hash"]
    rechecks = Event.objects.filter(action="assessment.period.recheck", object_id=str(p.pk)).order_by("seq")
    assert [e.after["same"] for e in rechecks] == [True, False]
    assert verify().ok


def test_eval2_only_the_office_computes_and_a_draft_is_the_offices(q1, client):
    c = q1
    with pytest.raises(PermissionDenied):
        services.compute_period(c.period, c.edu_user, at=AFTER)
    services.compute_period(c.period, c.supervisor, at=AFTER)
    client.force_login(c.town_user)
    assert client.get(c.period.get_absolute_url()).status_code == 404  # a draft: the office's working copy
    assert client.post(f"/assessment/periods/{c.period.pk}/compute/").status_code == 404
    services.publish_period(c.period, c.supervisor, at=AFTER)
    page = client.get(c.period.get_absolute_url())
    assert page.status_code == 200 and "城关镇" in page.content.decode()
    assert client.post(f"/assessment/periods/{c.period.pk}/compute/").status_code == 403


errors_st = st.lists(st.tuples(st.sampled_from(["edu", "fin", "town", "office"]),
                               st.sampled_from(["late_report", "typo", "skip_level", "format"]),
                               st.integers(0, 80)), max_size=8)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(errors=errors_st, recheck_days=st.integers(1, 400))
def test_eval2_freezing_and_recomputing_an_unchanged_period_gives_the_same_hash(q1, errors, recheck_days):
    c = q1
    with transaction.atomic():
        cats = {x.code: x for x in ErrorCategory.objects.all()}
        for unit, code, offset in errors:
            day = dt.date(2026, 1, 1) + dt.timedelta(days=offset)
            services.record_error(c.supervisor, unit=getattr(c, unit), category=cats[code], occurred_on=day,
                                  description="差错", at=local(day.year, day.month, day.day, 18))
        p = services.publish_period(c.period, c.supervisor, at=AFTER)
        check = services.recheck_period(p, c.supervisor, at=AFTER + dt.timedelta(days=recheck_days))
        assert check.same, (check.added, check.removed, check.changed)
        assert check.new_hash == p.input_hash
        transaction.set_rollback(True)

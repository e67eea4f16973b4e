"""RECT-5: spot-check draws from recorded candidates with a recorded seed,
reproducible (also by `manage.py redraw_spot_check`), never sending an
inspector to his own unit; findings become problems with their source."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from duban.journal.models import Event
from duban.rectification import draws
from duban.rectification import services as rs
from duban.rectification.models import Source, SpotCheck, SpotCheckKind, TargetKind

from .conftest import D, T, make_problem

pytestmark = pytest.mark.django_db


def draw(c, seed="20260601", **kw):
    kw.setdefault("inspectors", [c.tf_fin, c.tf_edu, c.supervisor, c.town_user])
    return rs.draw_spot_check(c.campaign, c.supervisor, title="6月随机抽查", target_count=kw.pop("n", 2),
                              inspector_count=kw.pop("m", 2), seed=seed, at=T(6, 1), **kw)


def test_rect5_same_seed_and_candidates_give_the_same_draw_and_it_is_recorded(camp):
    c = camp
    a, b = draw(camp), draw(camp)
    assert a.result == b.result and len(a.result) == 2
    assert a.target_candidates == sorted([u.pk, u.pk] for u in (c.edu, c.fin, c.town))
    assert a.seed == "20260601" and a.algorithm == "v1"
    assert [x.unit_id for x in a.assignments.all()] == [r["target"] for r in a.result]
    ev = Event.objects.get(action="rectification.spotcheck.draw", object_id=str(a.pk))
    assert ev.after["seed"] == "20260601" and ev.after["result"] == a.result
    assert draws.replay(a).ok


def test_rect5_draw_is_a_pure_function_of_seed_and_sorted_candidates():
    targets = [[5, 5], [3, 3], [9, 9], [7, 7]]
    inspectors = [[101, 3], [102, 5], [103, 9], [104, 1], [105, 7]]
    one = draws.draw("abc", targets, inspectors, 3, 2)
    two = draws.draw("abc", list(reversed(targets)), list(reversed(inspectors)), 3, 2)
    assert one == two
    assert draws.sample("s", [4, 2, 8, 6], 2) == draws.sample("s", [8, 6, 4, 2], 2)
    for a in one:
        own = dict(targets)[a.target]
        assert all(dict(inspectors)[i] != own for i in a.inspectors)


def test_rect5_inspectors_never_check_their_own_unit_nor_its_offices(camp):
    c = camp
    assert draws.organisation_of(c.edu_office) == c.edu.pk
    for seed in range(20):
        sc = draw(c, seed=str(seed), n=3, m=2)
        for a in sc.assignments.prefetch_related("inspectors__person__unit"):
            for user in a.inspectors.all():
                assert draws.organisation_of(user.person.unit) != draws.organisation_of(a.unit)
    # Problems as targets: a 股室's problem is excluded for the bureau's people.
    p = make_problem(c, unit=c.edu_office)
    sc = rs.draw_spot_check(c.campaign, c.supervisor, title="抽问题", target_kind=TargetKind.PROBLEM,
                            targets=[p], inspectors=[c.tf_edu, c.tf_fin], target_count=1, inspector_count=1,
                            seed="1", at=T(6, 1))
    assert sc.result == [{"target": p.pk, "inspectors": [c.tf_fin.pk]}]
    with pytest.raises(ValidationError) as e:
        rs.draw_spot_check(c.campaign, c.supervisor, title="人不够", target_kind=TargetKind.PROBLEM, targets=[p],
                           inspectors=[c.tf_edu], target_count=1, inspector_count=1, seed="1", at=T(6, 1))
    assert "已排除本单位人员" in str(e.value)


def test_rect5_redraw_command_confirms_and_detects_a_changed_record(camp, capsys):
    sc = draw(camp)
    call_command("redraw_spot_check", str(sc.pk))
    assert "重新抽取结果与记录一致" in capsys.readouterr().out
    forged = [dict(r) for r in sc.result]
    forged[0]["target"], forged[1]["target"] = forged[1]["target"], forged[0]["target"]
    SpotCheck.objects.filter(pk=sc.pk).update(result=forged)
    with pytest.raises(CommandError) as e:
        call_command("redraw_spot_check", str(sc.pk))
    assert e.value.returncode == 1 and "不一致" in str(e.value)
    with pytest.raises(CommandError):
        call_command("redraw_spot_check", "99999")


def test_rect5_findings_of_spot_checks_and_unannounced_visits_become_problems(camp):
    c = camp
    sc = draw(c, n=3, m=1)
    target = sc.assignments.first()
    inspector = target.inspectors.first()
    p = rs.record_finding(c.campaign, inspector, spot_check=sc, unit=target.unit, category="官僚作风",
                          description="窗口人员态度生硬", measures="开展服务礼仪培训", deadline=D(8, 1), at=T(6, 5))
    assert p.source == Source.SPOT_CHECK and p.spot_check == sc
    v = rs.record_finding(c.campaign, c.tf_fin, unit=c.town, category="不作为", description="上班时间脱岗",
                          measures="严肃考勤纪律", deadline=D(7, 1), at=T(6, 6))
    assert v.source == Source.UNANNOUNCED and v.get_source_display() == "明察暗访"
    with pytest.raises(PermissionDenied):
        rs.record_finding(c.campaign, c.edu_user, unit=c.town, category="不作为", description="越权",
                          measures="无", deadline=D(7, 1), at=T(6, 6))
    unannounced = rs.draw_spot_check(c.campaign, c.supervisor, title="暗访", kind=SpotCheckKind.UNANNOUNCED,
                                     inspectors=[c.tf_fin, c.supervisor], target_count=1, inspector_count=1,
                                     at=T(6, 1))
    assert unannounced.seed  # a fresh seed, recorded
    assert draws.replay(unannounced).ok

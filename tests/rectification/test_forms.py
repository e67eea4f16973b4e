"""Issue 5, the forms the pages lacked: the 督查室 creates a campaign in the
app (categories, phases prefilled from seed 000, participating units, task
force) and adds units to it; a unit's people register a problem of their
own unit by hand, the supervision office of any unit. The same through
/api/rectification/. Others get 404 on the pages (403 from the API); bad
input shows the services' Chinese messages and writes nothing."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from duban.journal.models import Event
from duban.org import services as org
from duban.org.models import GroupKind
from duban.rectification import services as rs
from duban.rectification.models import Campaign, LedgerSubmission, Participation, Problem, ReportCycle
from duban.timelimits.periods import day_end

pytestmark = [pytest.mark.django_db, pytest.mark.anydate]  # runs on the real clock: CI fakes the date

BASE = "/api/rectification"
YEAR = timezone.localdate().year + 1


def soon(days=30):
    return timezone.localdate() + dt.timedelta(days=days)


def text(response):
    return response.content.decode()


def login(client, user):
    client.force_login(user)
    return client


def campaign_post(c, *, phases=None, units=None, **over):
    """The create form as the browser sends it (seed-000 phases of YEAR)."""
    data = {
        "code": f"ZF-{YEAR}", "name": "改进作风、狠抓落实年", "basis": "实施方案",
        "start_date": f"{YEAR}-02-24", "end_date": f"{YEAR}-12-10", "organizer": c.duchashi.pk,
        "task_force": getattr(c, "tf_group", None) and c.tf_group.pk or "", "category_set": "six", "categories": "",
        "units": [u.pk for u in (units if units is not None else [c.edu, c.town])],
    }
    rows = phases if phases is not None else rs.seed000_phases(YEAR)
    data.update({"phase-TOTAL_FORMS": len(rows) + 1, "phase-INITIAL_FORMS": 0, "phase-MIN_NUM_FORMS": 0,
                 "phase-MAX_NUM_FORMS": 12})
    for i, p in enumerate(rows):
        data.update({f"phase-{i}-kind": p.get("kind", "other"), f"phase-{i}-name": p["name"],
                     f"phase-{i}-start_date": p["start_date"].isoformat(),
                     f"phase-{i}-end_date": p["end_date"].isoformat(), f"phase-{i}-duty": p.get("duty", "")})
        if p.get("requires_ledger"):
            data[f"phase-{i}-requires_ledger"] = "on"
    data.update(over)
    return data


# --- creating a campaign --------------------------------------------------------------------------

def test_supervisor_creates_campaign_with_phases_units_and_ledger_clocks(client, county):
    c = county
    c.tf_group = org.create_group("作风整治工作专班", GroupKind.TASK_FORCE)
    login(client, c.supervisor)
    r = client.get(reverse("rectification:campaigns"))
    assert reverse("rectification:create_campaign") in text(r)
    r = client.get(reverse("rectification:create_campaign"), {"year": YEAR})
    body = text(r)
    assert r.status_code == 200
    for s in ("全面自查自纠阶段", "整改落实阶段", "巩固提升阶段", f"{YEAR}-03-10", "镇（街道）", "部门", "城关镇",
              "作风整治工作专班", f"ZF-{YEAR}"):
        assert s in body, s
    r = client.post(reverse("rectification:create_campaign"), campaign_post(c))
    camp = Campaign.objects.get(code=f"ZF-{YEAR}")
    assert r.status_code == 302 and r["Location"] == reverse("rectification:campaign", args=[camp.pk])
    assert camp.organizer == c.duchashi and camp.task_force == c.tf_group and camp.created_by == c.supervisor
    assert [p.name for p in camp.phases.order_by("sort_order")] == ["全面自查自纠阶段", "整改落实阶段", "巩固提升阶段"]
    assert camp.category_names() == ["慢作为", "不作为", "乱作为", "文山会海", "官僚作风", "弄虚作假"]
    assert set(camp.participations.values_list("unit_id", flat=True)) == {c.edu.pk, c.town.pk}
    ledgers = LedgerSubmission.objects.filter(campaign=camp)
    assert {s.unit_id for s in ledgers} == {c.edu.pk, c.town.pk} and all(s.clock_id for s in ledgers)
    assert ledgers.first().phase.name == "全面自查自纠阶段"
    assert Event.objects.filter(action="rectification.campaign.create").count() == 1
    assert Event.objects.filter(action="rectification.campaign.units").count() == 1
    body = text(client.get(r["Location"]))
    assert "添加参加单位" in body and "县财政局" in body  # offered to add


def test_custom_categories_one_per_line(client, county):
    c = county
    login(client, c.supervisor)
    r = client.post(reverse("rectification:create_campaign"),
                    campaign_post(c, category_set="custom", categories="慢作为\n\n  推诿扯皮 \n形式主义\n"))
    assert r.status_code == 302
    assert Campaign.objects.get().category_names() == ["慢作为", "推诿扯皮", "形式主义"]


def test_liaison_gets_404_on_the_create_page(client, county):
    c = county
    login(client, c.edu_user)
    assert reverse("rectification:create_campaign") not in text(client.get(reverse("rectification:campaigns")))
    assert client.get(reverse("rectification:create_campaign")).status_code == 404
    assert client.post(reverse("rectification:create_campaign"), campaign_post(c)).status_code == 404
    assert not Campaign.objects.exists()


@pytest.mark.parametrize("over, message", [
    ({"end_date": f"{YEAR}-02-01"}, "结束日期早于开始日期"),
    ({"code": "ZF-2026"}, "代码“ZF-2026”已被使用"),
    ({"code": "作风 2027"}, "代码只能包含字母、数字、短横线和下划线"),
    ({"name": " "}, "请填写专项行动名称"),
    ({"category_set": "custom", "categories": "\n"}, "自定义问题类别时请至少填写一个类别"),
    ({"phase-2-end_date": f"{YEAR}-12-31"}, "阶段“巩固提升阶段”超出专项行动的起止日期"),
    ({"phase-1-end_date": f"{YEAR}-03-01"}, "阶段“整改落实阶段”的结束日期早于开始日期"),
    ({"start_date": ""}, "请填写开始日期"),
    ({"code": ""}, "请填写专项行动代码"),
])
def test_bad_campaign_input_shows_the_chinese_message_and_writes_nothing(client, camp, over, message):
    c = camp
    login(client, c.supervisor)
    before = (Campaign.objects.count(), Event.objects.count(), LedgerSubmission.objects.count())
    r = client.post(reverse("rectification:create_campaign"), campaign_post(c, **over))
    assert r.status_code == 422
    assert message in text(r)
    assert (Campaign.objects.count(), Event.objects.count(), LedgerSubmission.objects.count()) == before


def test_add_units_on_the_campaign_page(client, county):
    c = county
    camp = rs.create_campaign(code="ZF-X", name="专项行动", start_date=dt.date(YEAR, 2, 24),
                              end_date=dt.date(YEAR, 12, 10), organizer=c.duchashi, units=[c.edu],
                              phases=rs.seed000_phases(YEAR), by=c.supervisor)
    url = reverse("rectification:add_units", args=[camp.pk])
    login(client, c.edu_user)
    assert "添加参加单位" not in text(client.get(reverse("rectification:campaign", args=[camp.pk])))
    assert client.post(url, {"units": [c.fin.pk]}).status_code == 404
    login(client, c.supervisor)
    r = client.post(url, {})
    assert r.status_code == 422 and "请勾选要增加的参加单位" in text(r)
    r = client.post(url, {"units": [c.fin.pk, c.town.pk]})
    assert r.status_code == 302
    assert set(Participation.objects.filter(campaign=camp).values_list("unit_id", flat=True)) == {
        c.edu.pk, c.fin.pk, c.town.pk}
    s = LedgerSubmission.objects.get(campaign=camp, unit=c.fin)
    assert s.clock_id and s.clock.due_at == day_end(dt.date(YEAR, 3, 10))
    assert Event.objects.filter(action="rectification.campaign.units").count() == 2
    # a unit already taking part is no longer offered
    r = client.post(url, {"units": [c.fin.pk]})
    assert r.status_code == 422


# --- registering a problem by hand ----------------------------------------------------------------

def problem_post(c, **over):
    data = {"unit": c.edu.pk, "category": c.cat["慢作为"].pk, "source": "public", "subject": "team",
            "description": "群众反映入学登记材料要求多、跑多次", "cause": "流程没有梳理",
            "measures": "精简材料，一次办结", "responsible_leader": c.edu_leader.pk,
            "responsible_person": "", "responsible_person_name": "张教育", "deadline": soon().isoformat()}
    data.update(over)
    return data


def test_liaison_registers_a_problem_for_own_unit(client, camp):
    c = camp
    login(client, c.edu_user)
    for page in ("campaign", "problems"):
        assert reverse("rectification:new_problem", args=[c.campaign.pk]) in text(
            client.get(reverse(f"rectification:{page}", args=[c.campaign.pk])))
    url = reverse("rectification:new_problem", args=[c.campaign.pk])
    r = client.get(url)
    body = text(r)
    assert r.status_code == 200 and "县教育局" in body and "县财政局" not in body and "刘副局长" in body
    r = client.post(url, problem_post(c))
    p = Problem.objects.get()
    assert r.status_code == 302 and r["Location"] == p.get_absolute_url()
    assert p.unit == c.edu and p.category.name == "慢作为" and p.source == "public" and p.created_by == c.edu_user
    assert p.responsible_leader == c.edu_leader and p.responsible_leader_name == "刘副局长"
    assert p.responsible_person == c.edu_user and p.deadline == soon() and p.deadline_clock_id
    assert Event.objects.filter(action="rectification.problem.create", object_id=str(p.pk)).exists()


def test_liaison_is_refused_for_another_unit(client, camp):
    c = camp
    login(client, c.edu_user)
    url = reverse("rectification:new_problem", args=[c.campaign.pk])
    assert client.post(url, problem_post(c, unit=c.fin.pk)).status_code == 404
    assert not Problem.objects.exists()
    # not taking part in the campaign at all: no page
    outsider = c.person("outsider", "钱审计", c.office)
    login(client, outsider)
    assert client.get(url).status_code in (404,)


@pytest.mark.parametrize("over, message", [
    ({"description": ""}, "请填写问题描述"),
    ({"measures": " "}, "请填写整改措施"),
    ({"category": ""}, "请选择问题类别"),
    ({"deadline": ""}, "请填写整改时限（日期或“长期坚持”）"),
    ({"deadline": "2020-01-01"}, "已过"),
    ({"subject": "person", "subject_name": ""}, "问题属于个人时请填写个人姓名"),
    ({"responsible_person": "FIN"}, "不是县教育局的人员"),
])
def test_bad_problem_input_shows_the_chinese_message(client, camp, over, message):
    c = camp
    if over.get("responsible_person") == "FIN":
        over["responsible_person"] = c.fin_user.pk
    login(client, c.supervisor)
    before = Event.objects.count()
    r = client.post(reverse("rectification:new_problem", args=[c.campaign.pk]), problem_post(c, **over))
    assert r.status_code == 422 and message in text(r)
    assert not Problem.objects.exists() and Event.objects.count() == before


def test_supervisor_registers_a_long_term_problem_of_any_unit(client, camp):
    c = camp
    login(client, c.supervisor)
    r = client.post(reverse("rectification:new_problem", args=[c.campaign.pk]), problem_post(
        c, unit=c.fin.pk, responsible_leader="", responsible_person=c.fin_user.pk, deadline="", long_term="on",
        report_cycle="quarterly", subject="person", subject_name="李某"))
    assert r.status_code == 302
    p = Problem.objects.get()
    assert p.unit == c.fin and p.long_term and p.report_cycle == ReportCycle.QUARTERLY and p.report_clock_id
    assert p.subject_name == "李某" and p.responsible_person == c.fin_user and p.created_by == c.supervisor


# --- the API --------------------------------------------------------------------------------------

def api_campaign(c, **over):
    data = {"code": f"ZF-{YEAR}", "name": "改进作风、狠抓落实年", "start_date": f"{YEAR}-02-24",
            "end_date": f"{YEAR}-12-10", "organizer_id": c.duchashi.pk, "unit_ids": [c.edu.pk, c.fin.pk],
            "phases": [{**p, "start_date": p["start_date"].isoformat(), "end_date": p["end_date"].isoformat()}
                       for p in rs.seed000_phases(YEAR)]}
    data.update(over)
    return data


def test_api_create_campaign_and_add_units(client, county):
    c = county
    login(client, c.edu_user)
    r = client.post(f"{BASE}/campaigns", api_campaign(c), content_type="application/json")
    assert r.status_code == 403 and not Campaign.objects.exists()
    login(client, c.supervisor)
    r = client.post(f"{BASE}/campaigns", api_campaign(c, end_date=f"{YEAR}-02-01"), content_type="application/json")
    assert r.status_code == 422 and r.json()["errors"]["end_date"] == ["结束日期早于开始日期"]
    r = client.post(f"{BASE}/campaigns", api_campaign(c, category_set="custom", categories=["慢作为", "推诿扯皮"]),
                    content_type="application/json")
    assert r.status_code == 201, r.content
    d = r.json()
    assert d["code"] == f"ZF-{YEAR}" and d["categories"] == ["慢作为", "推诿扯皮"] and len(d["phases"]) == 3
    assert LedgerSubmission.objects.filter(campaign_id=d["id"]).count() == 2
    r = client.post(f"{BASE}/campaigns", api_campaign(c), content_type="application/json")
    assert r.status_code == 422 and "已被使用" in r.json()["errors"]["code"][0]
    url = f"{BASE}/campaigns/{d['id']}/units"
    login(client, c.edu_user)
    assert client.post(url, {"unit_ids": [c.town.pk]}, content_type="application/json").status_code == 403
    login(client, c.supervisor)
    r = client.post(url, {"unit_ids": [c.town.pk, c.edu.pk]}, content_type="application/json")
    assert r.status_code == 200
    assert [u["name"] for u in r.json()["added"]] == ["城关镇"] and len(r.json()["units"]) == 3
    assert client.post(url, {"unit_ids": [999999]}, content_type="application/json").status_code == 422
    login(client, c.town_user)
    assert client.post(f"{BASE}/campaigns/999999/units", {"unit_ids": [c.town.pk]},
                       content_type="application/json").status_code == 404


def test_api_register_problem_own_unit_only(client, camp):
    c = camp
    payload = {"unit_id": c.edu.pk, "category": "慢作为", "description": "办事慢", "measures": "限期办结",
               "deadline": soon().isoformat()}
    login(client, c.edu_user)
    r = client.post(f"{BASE}/campaigns/{c.campaign.pk}/problems", payload, content_type="application/json")
    assert r.status_code == 201 and r.json()["unit"]["id"] == c.edu.pk
    r = client.post(f"{BASE}/campaigns/{c.campaign.pk}/problems", {**payload, "unit_id": c.fin.pk},
                    content_type="application/json")
    assert r.status_code == 403 and Problem.objects.count() == 1

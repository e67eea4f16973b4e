"""TL-3: seed 004's limits as editable rules, for the system administrator."""

import pytest
from django.core.exceptions import ValidationError

from duban.journal.models import Event
from duban.timelimits import services
from duban.timelimits.limits import Limit
from duban.timelimits.models import TimeLimitRule

from .conftest import local

pytestmark = pytest.mark.django_db

SEEDED = {
    "city_instruction_1h": ("1h", "种子004 §4"),
    "urgent_document_1h": ("1h", "种子004 §4"),
    "incident_info_to_leaders_1h": ("1h", "种子004 §4"),
    "county_instruction_relay_1h": ("1h", "种子004 §4"),
    "supporting_document_review_2mo": ("2mo", "种子004 §4"),
    "supporting_document_issue_3mo": ("3mo", "种子004 §4"),
    "meeting_document_issue_5wd": ("5wd", "种子004 §4"),
    "revision_resubmit_1wd": ("1wd", "种子004 §4"),
    "major_revision_resubmit_3wd": ("3wd", "种子004 §4"),
    "matter_report_7wd": ("7wd", "种子004 §5"),
    "matter_ack_1wd": ("1wd", "产品默认"),
    "duty_phone_15min": ("15min", "种子004 §6"),
    "duty_written_30min": ("30min", "种子004 §6"),
    "duty_final_2h": ("2h", "种子004 §6"),
}


def test_tl3_seed_004_limits_are_rules():
    rules = {r.code: r for r in TimeLimitRule.objects.all()}
    for code, (limit, section) in SEEDED.items():
        assert rules[code].limit == limit, code
        assert rules[code].seed_section == section, code
        assert rules[code].roll_forward and rules[code].is_active


def test_tl3_get_rule_and_rule_arithmetic():
    rule = services.get_rule("matter_report_7wd")
    assert rule.limit_obj == Limit(7, "wd")
    start = local(2026, 9, 30, 15)
    assert rule.compute_due_at(start) == local(2026, 10, 15, 23, 59, 59)
    assert rule.compute_due(start).at == local(2026, 10, 15, 23, 59, 59)
    assert rule.compute_warn_at(start, rule.compute_due_at(start)) == local(2026, 10, 14, 23, 59, 59)
    duty = services.get_rule("duty_phone_15min")
    assert duty.compute_warn_at(start, duty.compute_due_at(start)) == local(2026, 9, 30, 15, 10)
    with pytest.raises(TimeLimitRule.DoesNotExist, match="时限规则“nope”不存在"):
        services.get_rule("nope")


def test_tl3_rule_validation_normalises_and_refuses_bad_limits(county):
    rule = TimeLimitRule(code="test_rule", name="测试", limit=" 3 WD ", warn_before="１wd")
    services.save_rule(rule, by=county.sysadmin)
    rule.refresh_from_db()
    assert (rule.limit, rule.warn_before) == ("3wd", "1wd")
    bad = TimeLimitRule(code="bad_rule", name="坏", limit="3 weeks")
    with pytest.raises(ValidationError) as e:
        services.save_rule(bad, by=county.sysadmin)
    assert "时限“3 weeks”无法识别" in e.value.message_dict["limit"][0]


def test_tl3_rule_changes_are_journaled_and_recompute_clocks(county, monkeypatch,
                                                             django_capture_on_commit_callbacks):
    import duban.clocks.services as clock_services

    calls = []
    monkeypatch.setattr(clock_services, "recompute_rule_clocks",
                        lambda reason, rule=None, **kw: calls.append(rule))
    rule = services.get_rule("matter_report_7wd")
    rule.limit = "5wd"
    with django_capture_on_commit_callbacks(execute=True):
        services.save_rule(rule, by=county.sysadmin)
    e = Event.objects.get(action="timelimits.rule.update")
    assert e.before["limit"] == "7wd" and e.after["limit"] == "5wd"
    assert e.actor_id == county.sysadmin.pk
    assert calls == [rule]
    # A change of the name only does not move any deadline.
    rule.name = "无时限要求事项报告落实情况（改）"
    with django_capture_on_commit_callbacks(execute=True):
        services.save_rule(rule, by=county.sysadmin)
    assert len(calls) == 1


def _change_url(rule):
    return f"/admin/timelimits/timelimitrule/{rule.pk}/change/"


def _post_data(rule, **changes):
    data = {"name": rule.name, "limit": rule.limit, "warn_before": rule.warn_before,
            "seed_section": rule.seed_section, "description": rule.description}
    if rule.roll_forward:
        data["roll_forward"] = "on"
    if rule.is_active:
        data["is_active"] = "on"
    data.update(changes)
    return data


def test_tl3_system_administrator_edits_rules_in_the_admin(client, county):
    client.force_login(county.sysadmin)
    assert client.get("/admin/timelimits/timelimitrule/").status_code == 200
    rule = services.get_rule("duty_final_2h")
    r = client.post(_change_url(rule), _post_data(rule, limit="90min", warn_before="30min"))
    assert r.status_code == 302, r.content.decode()
    rule.refresh_from_db()
    assert (rule.limit, rule.warn_before) == ("90min", "30min")
    e = Event.objects.get(action="timelimits.rule.update")
    assert e.object_id == str(rule.pk) and e.after["limit"] == "90min"


def test_tl3_admin_refuses_a_bad_limit_in_chinese(client, county):
    client.force_login(county.sysadmin)
    rule = services.get_rule("duty_final_2h")
    r = client.post(_change_url(rule), _post_data(rule, limit="两小时"))
    assert r.status_code == 200
    assert "时限“两小时”无法识别" in r.content.decode()
    rule.refresh_from_db()
    assert rule.limit == "2h"
    assert not Event.objects.filter(action="timelimits.rule.update").exists()


def test_tl3_admin_delete_is_journaled(client, county):
    client.force_login(county.sysadmin)
    rule = TimeLimitRule.objects.create(code="temp_rule", name="临时", limit="1d")
    r = client.post(f"/admin/timelimits/timelimitrule/{rule.pk}/delete/", {"post": "yes"})
    assert r.status_code == 302
    assert not TimeLimitRule.objects.filter(code="temp_rule").exists()
    e = Event.objects.get(action="timelimits.rule.delete")
    assert e.before["code"] == "temp_rule"


@pytest.mark.parametrize("who", ["secadmin", "auditor", "edu_user"])
def test_tl3_only_the_system_administrator_edits_rules(client, county, who):
    client.force_login(getattr(county, who))
    rule = services.get_rule("duty_final_2h")
    r = client.get("/admin/timelimits/timelimitrule/")
    assert r.status_code in (302, 403)
    r = client.post(_change_url(rule), _post_data(rule, limit="3h"))
    assert r.status_code in (302, 403)
    rule.refresh_from_db()
    assert rule.limit == "2h"

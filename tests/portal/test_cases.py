"""PUB-3: positive and negative typical cases, written by the office,
reviewed by another person, published on the public pages; personal data
is refused."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from duban.portal import services as ps
from duban.portal.models import CaseKind, CaseState

from .conftest import T

pytestmark = [pytest.mark.django_db, pytest.mark.anydate]  # web requests run on the real clock

SUMMARY = "县行政审批服务局推行“一窗受理、集成服务”，企业开办时间由5个工作日压缩至1个工作日，群众满意度明显提升。"


@pytest.fixture
def reviewer(county):
    return county.person("dcs2", "林督查", county.duchashi, "supervisor", scope=county.gov)


def test_pub3_a_case_is_reviewed_by_another_person_then_published(client, county, reviewer):
    client.force_login(county.supervisor)
    client.post("/portal/cases/new/", {"kind": "positive", "title": "企业开办一日办结", "summary": SUMMARY,
                                       "unit": str(county.edu.pk)})
    from duban.portal.models import TypicalCase

    c = TypicalCase.objects.get()
    assert c.state == CaseState.DRAFT
    assert client.get("/p/cases/").content.decode().count("企业开办一日办结") == 0
    ps.submit_case(c, county.supervisor, at=T(3, 2))
    with pytest.raises(PermissionDenied):
        ps.review_case(c, county.supervisor, approve=True, at=T(3, 3))
    with pytest.raises(PermissionDenied):
        ps.review_case(c, county.edu_head, approve=True, at=T(3, 3))
    client.force_login(reviewer)
    client.post(f"/portal/cases/{c.pk}/", {"action": "review", "approve": "1", "note": "同意发布"})
    c.refresh_from_db()
    assert (c.state, c.reviewed_by) == (CaseState.PUBLISHED, reviewer)
    page = client.get("/p/cases/").content.decode()
    assert "企业开办一日办结" in page and "正面典型" in page
    assert SUMMARY[:20] in client.get(f"/p/cases/{c.pk}/").content.decode()
    ps.withdraw_case(c, county.supervisor, note="内容需更新", at=T(3, 5))
    assert client.get(f"/p/cases/{c.pk}/").status_code == 404


def test_pub3_returned_for_changes_and_no_personal_data(county, reviewer):
    c = ps.draft_case(county.supervisor, kind=CaseKind.NEGATIVE, title="窗口推诿扯皮被通报", summary=SUMMARY,
                      at=T(3, 2))
    ps.submit_case(c, county.supervisor, at=T(3, 2))
    with pytest.raises(ValidationError):
        ps.review_case(c, reviewer, approve=False, note="", at=T(3, 3))
    ps.review_case(c, reviewer, approve=False, note="请隐去具体人员", at=T(3, 3))
    c.refresh_from_db()
    assert c.state == CaseState.RETURNED
    with pytest.raises(ValidationError) as e:
        ps.update_case(c, county.supervisor, kind=c.kind, title=c.title, summary=SUMMARY + "联系电话13912345678",
                       at=T(3, 4))
    assert "不能包含电话" in e.value.message_dict["summary"][0]
    with pytest.raises(PermissionDenied):
        ps.draft_case(county.edu_user, kind=CaseKind.POSITIVE, title="自荐", summary=SUMMARY, at=T(3, 2))

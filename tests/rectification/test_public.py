"""PUB-1: the public page without login lists the published problems by unit
and category with measures, deadline and state and the campaign's figures;
no personal data appears (names, accounts, phones); nothing unpublished."""

import pytest
from django.urls import reverse

from duban.rectification import services as rs

from .conftest import T, make_problem, upload

pytestmark = pytest.mark.django_db


def test_pub1_public_pages_need_no_login_and_show_only_published(client, camp):
    c = camp
    shown = make_problem(c, description="窗口答复推诿，联系电话13912345678", responsible_person_name="张教育",
                         responsible_leader_name="刘副局长", measures="落实首问负责制，咨询 0871-6543210")
    rs.submit_result(shown, c.edu_user, "已整改", files=[upload()], at=T(5, 20))
    rs.verify_result(shown, c.tf_fin, passed=True, at=T(5, 25))
    hidden = make_problem(c, unit=c.fin, description="未公开的财政问题", by=c.fin_user)
    rs.publish([shown], c.supervisor, at=T(6, 1))
    r = client.get(reverse("public:campaigns"))
    assert r.status_code == 200 and c.campaign.name in r.content.decode()
    r = client.get(reverse("public:campaign", args=[c.campaign.code]))
    body = r.content.decode()
    assert r.status_code == 200
    for s in ("县教育局", "慢作为", "落实首问负责制", "已销号", "2026-06-10", "销号率", "查找问题"):
        assert s in body, s
    assert hidden.description not in body
    for s in ("13912345678", "6543210", "张教育", "刘副局长", "陈督查", "钱专班", "edu"):
        assert s not in body, s
    assert 'name="viewport"' in body


def test_pub1_unpublished_campaign_is_404(client, camp):
    make_problem(camp)
    assert client.get(reverse("public:campaign", args=[camp.campaign.code])).status_code == 404
    assert client.get(reverse("public:campaign", args=["NOPE"])).status_code == 404

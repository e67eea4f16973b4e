"""The system administrator reads clocks, flips and the outbox in Django's
admin; nobody changes them there."""

import pytest

from duban.clocks import sweep

from .conftest import local

pytestmark = pytest.mark.django_db


def test_out1_system_administrator_reads_clocks_and_messages_in_admin(client, county, make_clock):
    clock = make_clock()
    sweep.tick(local(2026, 3, 2, 10), deliver=False)
    client.force_login(county.sysadmin)
    for url in ["/admin/clocks/clock/", f"/admin/clocks/clock/{clock.pk}/change/", "/admin/clocks/clockflip/",
                "/admin/notify/message/"]:
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get("/admin/notify/message/").content.decode()
    assert "【超期】" in page
    assert client.get("/admin/notify/message/add/").status_code == 403
    assert client.post(f"/admin/clocks/clock/{clock.pk}/delete/").status_code == 403


def test_out1_other_administrators_do_not_see_the_outbox_in_admin(client, county):
    client.force_login(county.secadmin)
    assert client.get("/admin/notify/message/").status_code == 403
    assert client.get("/admin/clocks/clock/").status_code == 403

"""ORG-1/2: the organisation administered in Chinese in Django's admin,
every save journaled through the services."""

from duban.journal.models import Event
from duban.org.models import Person, RoleAssignment, Unit


def test_org1_system_admin_adds_a_unit_through_the_admin_and_it_is_journaled(client, county):
    client.force_login(county.sysadmin)
    page = client.get("/admin/org/unit/add/").content.decode()
    assert "上级单位" in page and "名称" in page
    response = client.post("/admin/org/unit/add/", {
        "name": "县审计局", "short_name": "", "code": "", "kind": "department", "parent": county.gov.pk,
        "sort_order": 0, "phone": "", "is_active": "on",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    unit = Unit.objects.get(name="县审计局")
    assert unit.path.startswith(county.gov.path) and unit.depth == 1
    assert Event.objects.filter(action="org.unit.create", object_id=str(unit.pk)).exists()


def test_org2_system_admin_adds_a_person_with_an_account(client, county):
    client.force_login(county.sysadmin)
    response = client.post("/admin/org/person/add/", {
        "username": "newbie", "full_name": "钱新人", "email": "", "password": "Abcdef12!x",
        "unit": county.edu.pk, "position": "科员", "office_phone": "", "mobile": "", "sort_order": 0,
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    person = Person.objects.get(user__username="newbie")
    assert person.unit == county.edu and person.user.check_password("Abcdef12!x")
    assert Event.objects.filter(action="org.person.create", object_id=str(person.pk)).exists()


def test_org2_weak_initial_password_is_refused_with_a_chinese_message(client, county):
    client.force_login(county.sysadmin)
    page = client.post("/admin/org/person/add/", {
        "username": "weak", "full_name": "弱密码", "password": "abc", "unit": county.edu.pk, "sort_order": 0,
    }).content.decode()
    assert not Person.objects.filter(user__username="weak").exists()
    assert "密码" in page and "errorlist" in page


def test_org2_security_admin_grants_roles_and_the_three_admins_stay_separate(client, county):
    client.force_login(county.secadmin)
    ok = client.post("/admin/org/roleassignment/add/", {"user": county.edu_user.pk, "role": "duty_officer"})
    assert ok.status_code == 302
    assert RoleAssignment.objects.filter(user=county.edu_user, role="duty_officer").exists()
    assert Event.objects.filter(action="org.role.grant").order_by("-seq").first().after["role"] == "duty_officer"
    clash = client.post("/admin/org/roleassignment/add/", {"user": county.sysadmin.pk, "role": "audit_admin"})
    assert clash.status_code == 200 and "三员分立" in clash.content.decode()
    assert not RoleAssignment.objects.filter(user=county.sysadmin, role="audit_admin").exists()


def test_org_admin_pages_are_refused_to_the_wrong_administrator(client, county):
    client.force_login(county.secadmin)
    assert client.get("/admin/org/unit/").status_code == 403
    client.force_login(county.sysadmin)
    assert client.get("/admin/org/roleassignment/").status_code == 403
    client.force_login(county.auditor)
    assert client.get("/admin/").status_code == 302  # not staff: sent to the admin login

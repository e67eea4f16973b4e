"""ORG-1/2/4/5 shown in the app: the organisation tree, unit pages with their
people, roles and A/B backups, working groups."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from duban.org import services as org
from duban.org.models import GroupKind, Unit


def test_org1_tree_page_shows_the_county_in_tree_order(client, county):
    client.force_login(county.edu_user)
    page = client.get("/org/").content.decode()
    page = page[page.index('class="tree"'):]
    assert page.index("县人民政府") < page.index("县教育局") < page.index("基础教育股")
    assert "镇（街道）" in page


def test_org1_tree_query_count_does_not_grow_with_units(client, county):
    client.force_login(county.edu_user)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            client.get("/org/")
        return len(ctx.captured_queries)

    few = count()
    for i in range(20):
        org.create_unit(f"新单位{i}", parent=county.town)
    assert count() == few


def test_org2_unit_page_lists_people_positions_roles_and_backups(client, county):
    person = county.edu_user.person
    org.set_backup(person, county.edu_head)
    org.set_away(person, timezone.now() - dt.timedelta(hours=1), timezone.now() + dt.timedelta(days=2), "学习")
    client.force_login(county.fin_user)
    page = client.get(f"/org/units/{county.edu.pk}/").content.decode()
    assert "张教育" in page and "王局长" in page and "单位联络员" in page and "单位负责人" in page
    assert "外出（学习），由B角代岗" in page


def test_org2_unit_page_query_count_does_not_grow_with_people(client, county):
    client.force_login(county.edu_user)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            client.get(f"/org/units/{county.edu.pk}/")
        return len(ctx.captured_queries)

    few = count()
    for i in range(10):
        p = org.create_person(f"edu{i}", full_name=f"教育{i}", unit=county.edu)
        org.assign_role(p.user, "liaison")
    assert count() == few


def test_org1_subtree_is_one_prefix_query_and_move_rewrites_paths(county):
    assert set(county.edu.descendants().values_list("name", flat=True)) == {"县教育局", "基础教育股"}
    org.update_unit(county.edu_office, parent=county.fin)
    county.edu_office.refresh_from_db()
    assert county.edu_office.path.startswith(county.fin.path) and county.edu_office.depth == 2
    assert [u.name for u in county.edu_office.ancestors()] == ["县人民政府", "县财政局"]


def test_org1_unit_cannot_move_under_itself(county):
    import pytest
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        org.update_unit(county.edu, parent=county.edu_office)


def test_org1_duplicate_unit_name_under_one_parent_is_refused_in_chinese(county):
    import pytest
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        org.create_unit("县教育局", parent=county.gov)
    assert "已有名为“县教育局”的单位" in str(exc.value)


def test_org4_backup_receives_while_owner_is_away(county):
    person = county.edu_user.person
    org.set_backup(person, county.edu_head)
    assert org.recipients_for(county.edu_user) == [county.edu_user]
    org.set_away(person, timezone.now() - dt.timedelta(minutes=1), timezone.now() + dt.timedelta(days=1))
    county.edu_user.person.refresh_from_db()
    assert org.recipients_for(county.edu_user) == [county.edu_user, county.edu_head]


def test_org5_task_force_page_lists_members_and_duties(client, county):
    node = org.create_unit("工作专班", parent=county.gov, kind="task_force")
    group = org.create_group("改进作风狠抓落实年工作专班", GroupKind.TASK_FORCE, unit=node)
    org.add_member(group, county.leader, "组长", "统筹推进")
    org.add_member(group, county.supervisor, "成员", "督查检查")
    client.force_login(county.town_user)
    page = client.get(f"/org/groups/{group.pk}/").content.decode()
    page = page[page.index("<tbody>"):]
    assert page.index("组长") < page.index("成员") and "统筹推进" in page and "督查检查" in page


def test_org_pages_need_login(client, county):
    assert client.get("/org/").status_code == 302
    assert client.get(f"/org/units/{county.edu.pk}/").status_code == 302


def test_org_unit_path_supports_thousands_of_units(db):
    root = org.create_unit("县人民政府", kind="government")
    parents = [root]
    for i in range(3):
        parents.append(org.create_unit(f"第{i}级", parent=parents[-1]))
    Unit.objects.bulk_create(
        [Unit(name=f"批量{i}", parent=parents[-1], path=f"{parents[-1].path}{i + 1:04d}.", depth=4)
         for i in range(3000)]
    )
    assert root.descendants().count() == 3004
    assert "path" in str(root.descendants().query)


def test_sup4_home_page_shows_counts_per_light_for_each_role(client, county):
    client.force_login(county.edu_user)
    page = client.get("/").content.decode()
    assert "本单位待办" in page and "红灯" in page and "督办总表" not in page
    client.force_login(county.supervisor)
    page = client.get("/").content.decode()
    assert "督办总表" in page
    client.force_login(county.leader)
    assert "我批示的事项" in client.get("/").content.decode()


def test_org3_refusal_page_is_chinese_and_says_nothing_about_the_record(client, county, settings):
    settings.DEBUG = False
    client.force_login(county.edu_user)
    page = client.get("/org/units/999999/").content.decode()
    assert "未找到该页面或记录" in page

"""`python manage.py load_demo`: the demo county 示范县.

Every row is written through the organisation's service functions, so the
journal records each of them. Idempotent: units are looked up by name under
their parent and people by username first; what exists is left as it is.
"""

import datetime as dt
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from duban.core import demo_data
from duban.core.demo import record_password_set
from duban.org import services as org
from duban.org.models import GroupMembership, Person, Role, RoleAssignment, Unit, WorkGroup

User = get_user_model()


@dataclass
class LoadResult:
    created: dict = field(default_factory=lambda: {"units": 0, "people": 0, "roles": 0, "backups": 0,
                                                    "away": 0, "groups": 0, "members": 0})
    skipped: list = field(default_factory=list)  # human-readable notes


@transaction.atomic
def load(plan=None, now=None) -> LoadResult:
    """Write the demo county; return what was created."""
    plan = plan or demo_data.build_plan()
    now = now or timezone.now()
    result = LoadResult()
    created = result.created

    units: dict[tuple, Unit] = {}
    for spec in plan.units:
        parent = units[spec.parent_key] if spec.parent_key else None
        unit = Unit.objects.filter(parent=parent, name=spec.name).first()
        if unit is None:
            unit = org.create_unit(spec.name, parent=parent, kind=spec.kind, short_name=spec.short_name,
                                   sort_order=spec.sort_order, phone=spec.phone)
            created["units"] += 1
        units[spec.key] = unit

    users: dict[str, object] = {}
    people: dict[str, Person] = {}
    for spec in plan.people:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            person = org.create_person(
                spec.username, full_name=spec.full_name, unit=units[spec.unit], position=spec.position,
                office_phone=spec.office_phone, mobile=spec.mobile, is_leader=spec.is_leader,
                sort_order=spec.sort_order, password=demo_data.DEMO_PASSWORD if spec.is_demo else None,
            )
            user = person.user
            created["people"] += 1
            if spec.is_demo:
                record_password_set(user)
        else:
            person = Person.objects.filter(user=user).first()
            if person is None:
                result.skipped.append(f"账号 {spec.username} 已存在但没有人员信息，跳过")
        users[spec.username] = user
        if person is not None:
            people[spec.username] = person

    held = set(RoleAssignment.objects.filter(user__in=list(users.values())).values_list("user_id", "role"))
    for spec in plan.people:
        user = users[spec.username]
        for role, scope_key in spec.roles:
            if (user.pk, role) in held:
                continue
            org.assign_role(user, role, scope=units[scope_key] if scope_key else None)
            held.add((user.pk, role))
            created["roles"] += 1

    for username, backup_username in plan.backups:
        person = people.get(username)
        if person is not None and person.backup_id is None:
            org.set_backup(person, users[backup_username])
            created["backups"] += 1

    away_username, reason, days = plan.away
    person = people.get(away_username)
    if person is not None:
        person.refresh_from_db()
        if not person.is_away(now):
            org.set_away(person, now, now + dt.timedelta(days=days), reason)
            created["away"] += 1

    tf = plan.task_force
    group = WorkGroup.objects.filter(name=tf["name"]).first()
    if group is None:
        group = org.create_group(tf["name"], tf["kind"], unit=units[tf["unit"]], purpose=tf["purpose"],
                                 basis=tf["basis"])
        created["groups"] += 1
    members = set(GroupMembership.objects.filter(group=group).values_list("user_id", flat=True))
    for order, (username, group_role, duty) in enumerate(tf["members"], start=1):
        user = users[username]
        if user.pk not in members:
            org.add_member(group, user, group_role, duty=duty, sort_order=order)
            members.add(user.pk)
            created["members"] += 1
    return result


# ---------------------------------------------------------------- table --

def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def demo_login_rows():
    """(用户名, 姓名, 单位, 角色) of the demo logins that exist in the database."""
    by_name = {u.username: u for u in User.objects.filter(username__in=demo_data.DEMO_USERNAMES)
               .select_related("person__unit")}
    roles: dict[int, list] = {}
    for user_id, role in RoleAssignment.objects.filter(user__in=list(by_name.values())).values_list("user_id",
                                                                                                     "role"):
        roles.setdefault(user_id, []).append(role)
    notes = dict(demo_data.DEMO_LOGINS)
    rows = []
    for username in demo_data.DEMO_USERNAMES:
        user = by_name.get(username)
        if user is None:
            continue
        person = getattr(user, "person", None)
        unit = person.unit.name if person is not None else ""
        held = "、".join(Role(r).label for r in Role.values if r in roles.get(user.pk, []))
        if not held:
            held = notes[username]
        if person is not None and person.is_away() and person.backup_id:
            held += f"（外出中，由B角 {person.backup.username} 代办）"
        rows.append((username, user.get_full_name(), unit, held))
    return rows


def format_demo_logins() -> str:
    """The demo logins as a text table, with the password; empty when the
    demo county is not loaded."""
    rows = demo_login_rows()
    if not rows:
        return ""
    header = ("用户名", "姓名", "单位", "角色")
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(4)]
    line = "  ".join("-" * w for w in widths)
    out = ["演示账号（示范县）：", "  ".join(_pad(h, w) for h, w in zip(header, widths, strict=True)).rstrip(), line]
    out += ["  ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    out.append(line)
    out.append(f"以上演示账号的密码均为：{demo_data.DEMO_PASSWORD}（如已修改，以修改后的为准）")
    if getattr(settings, "DUBAN_SECOND_FACTOR", True):
        out.append("三员、督查室、领导、单位负责人、带班领导和工作专班成员登录后还须第二步验证：第一次登录时用手机身份验证器扫描页面上的二维码完成设置"
                   "（仅试用时可用 DUBAN_SECOND_FACTOR=0 关闭）。")
    return "\n".join(out)


def _accountability_demo(matters=True):
    """问责与监督 (issue 18): the history above is loaded with its past
    dates; the integrity review judges what is entered from here on (the
    watch), then the cases the business apps enter live, then the
    suggestions, decisions, trace, 交办单 and signals."""
    from duban.accountability.demo import load_accountability, start_watch
    from duban.duty.demo_integrity import load_integrity_cases as duty_cases

    start_watch()
    # Entered now, after the history and the watch's start, as live entries are.
    now = timezone.now()
    lines = []
    if matters:
        from duban.supervision.demo_integrity import load_integrity_cases as matter_cases

        lines.append(matter_cases(now))
    lines.append(duty_cases(now))
    lines.append(load_accountability(now).summary())
    return lines


class Command(BaseCommand):
    help = ("载入示范县演示数据（单位、人员、角色、AB角、工作专班，一年的督办事项、作风整治、值班、计划管理、公文、会议、"
            "消息渠道、投诉和12345工单，上一季度的考核与问责）；可重复执行，已有数据不重复创建。")

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="不打印演示账号表")
        parser.add_argument("--no-matters", action="store_true", help="不载入督办事项演示数据")

    def _accountability(self, options):
        for line in _accountability_demo(matters=not options["no_matters"]):
            self.stdout.write(line)

    def handle(self, *args, **options):
        now = timezone.now()  # one moment of loading for every part of the demo
        result = load(now=now)
        c = result.created
        if any(c.values()):
            self.stdout.write(
                f"示范县演示数据已载入：新建单位 {c['units']} 个、人员 {c['people']} 人、角色 {c['roles']} 项、"
                f"AB角 {c['backups']} 对、工作专班 {c['groups']} 个（成员 {c['members']} 人）。"
            )
        else:
            self.stdout.write("示范县演示数据已存在，未做改动。")
        for note in result.skipped:
            self.stderr.write(note)
        total_units = Unit.objects.count()
        total_people = Person.objects.count()
        self.stdout.write(f"现有单位 {total_units} 个、人员 {total_people} 人。")
        if not options["no_matters"]:
            from duban.supervision.demo import load_matters

            self.stdout.write(load_matters(now).summary())
        from duban.rectification.demo import load_campaign

        self.stdout.write(load_campaign(now).summary())
        from duban.duty.demo import load_duty

        self.stdout.write(load_duty(now, relay=not options["no_matters"]).summary())
        from duban.notify.demo import load_channels

        self.stdout.write(load_channels(now).summary())
        from duban.portal.demo import load_portal

        self.stdout.write(load_portal(now, matters=not options["no_matters"]).summary())
        from duban.plans.demo import load_plans

        self.stdout.write(load_plans(now).summary())
        from duban.documents.demo import load_documents

        self.stdout.write(load_documents(now).summary())
        from duban.meetings.demo import load_meetings

        self.stdout.write(load_meetings(now, matters=not options["no_matters"]).summary())
        from duban.assessment.demo import load_assessment

        self.stdout.write(load_assessment(now).summary())
        self._accountability(options)
        if not options["quiet_logins"]:
            self.stdout.write("")
            self.stdout.write(format_demo_logins())

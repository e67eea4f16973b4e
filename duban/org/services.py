"""Writes to the organisation. Each function is one transaction with its
journal event; views, admin, commands and the demo loader call these."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Q, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from duban.core.crypto import mask
from duban.journal import chain

from .models import (
    ADMIN_ROLES,
    PATH_STEP,
    GroupMembership,
    Person,
    Role,
    RoleAssignment,
    Unit,
    WorkGroup,
)

User = get_user_model()

UNIT_FIELDS = ["name", "short_name", "code", "kind", "parent_id", "path", "sort_order", "phone", "is_active"]
PERSON_FIELDS = ["unit_id", "position", "office_phone", "mobile", "id_number", "is_leader", "backup_id",
                 "away_from", "away_to", "away_reason"]
# Personal data: the journal keeps them masked, never in full.
PERSONAL_FIELDS = ("mobile", "id_number")


def person_snapshot(person) -> dict:
    data = chain.snapshot(person, PERSON_FIELDS)
    for name in PERSONAL_FIELDS:
        data[name] = mask(data[name] or "")
    return data


def _segment(n: int) -> str:
    if n >= 10**PATH_STEP:
        raise ValidationError(f"下级单位超过 {10**PATH_STEP - 1} 个，无法再添加")
    return f"{n:0{PATH_STEP}d}."


def _next_child_path(parent: Unit | None) -> str:
    prefix = parent.path if parent else ""
    depth = parent.depth + 1 if parent else 0
    siblings = Unit.objects.filter(path__startswith=prefix, depth=depth)
    last = siblings.aggregate(m=Max("path"))["m"]
    n = int(last[len(prefix):len(prefix) + PATH_STEP]) + 1 if last else 1
    return prefix + _segment(n)


@transaction.atomic
def create_unit(name, *, parent=None, kind="department", short_name="", code=None, sort_order=0, phone="") -> Unit:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "单位名称不能为空"})
    if Unit.objects.filter(parent=parent, name=name).exists():
        raise ValidationError({"name": f"“{parent or '顶层'}”下已有名为“{name}”的单位"})
    unit = Unit(name=name, parent=parent, kind=kind, short_name=short_name, code=code or None,
                sort_order=sort_order, phone=phone)
    unit.path = _next_child_path(parent)
    unit.depth = parent.depth + 1 if parent else 0
    unit.save(force_insert=True)
    chain.record("org.unit.create", unit, after=chain.snapshot(unit, UNIT_FIELDS))
    return unit


@transaction.atomic
def update_unit(unit: Unit, **changes) -> Unit:
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    before = chain.snapshot(unit, UNIT_FIELDS)
    new_parent = changes.pop("parent", unit.parent)
    for key, value in changes.items():
        if key not in {"name", "short_name", "code", "kind", "sort_order", "phone", "is_active"}:
            raise ValidationError({key: "该字段不能修改"})
        setattr(unit, key, value)
    if (new_parent.pk if new_parent else None) != unit.parent_id:
        _move(unit, new_parent)
    unit.full_clean(exclude=["path", "parent"])
    unit.save()
    chain.record("org.unit.update", unit, before=before, after=chain.snapshot(unit, UNIT_FIELDS))
    return unit


def _move(unit: Unit, new_parent: Unit | None):
    if new_parent is not None and new_parent.path.startswith(unit.path):
        raise ValidationError({"parent": "不能把单位移到它自己或它的下级之下"})
    old_path, old_depth = unit.path, unit.depth
    new_path = _next_child_path(new_parent)
    new_depth = new_parent.depth + 1 if new_parent else 0
    # Rewrite the whole subtree's paths in one statement.
    Unit.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr(F("path"), len(old_path) + 1)),
        depth=F("depth") - old_depth + new_depth,
    )
    unit.refresh_from_db(fields=["path", "depth"])
    unit.parent = new_parent


def subtree_q(units, field="unit"):
    """A Q-able filter dict for records whose `field` lies in any of the
    given units' subtrees."""
    from django.db.models import Q

    q = Q(pk__in=[])
    for u in units:
        q |= Q(**{f"{field}__path__startswith": u.path})
    return q


@transaction.atomic
def create_person(username, *, full_name, unit, position="", office_phone="", mobile="", is_leader=False,
                  password=None, email="", sort_order=0, id_number="") -> Person:
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": "登录名不能为空"})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": f"登录名“{username}”已被使用"})
    if not full_name:
        raise ValidationError({"full_name": "姓名不能为空"})
    user = User(username=username, email=email)
    # Chinese names are kept whole in first_name; get_full_name() returns them.
    user.first_name = full_name
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    person = Person.objects.create(user=user, unit=unit, position=position, office_phone=office_phone,
                                   mobile=mobile, id_number=id_number, is_leader=is_leader, sort_order=sort_order)
    chain.record("org.person.create", person, after={"username": username, "full_name": full_name,
                                                     **person_snapshot(person)})
    return person


@transaction.atomic
def update_person(person: Person, **changes) -> Person:
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = person_snapshot(person)
    for key, value in changes.items():
        if key not in {"unit", "position", "office_phone", "mobile", "id_number", "is_leader", "sort_order"}:
            raise ValidationError({key: "该字段不能在此修改"})
        setattr(person, key, value)
    person.save()
    chain.record("org.person.update", person, before=before, after=person_snapshot(person))
    return person


def roles_of(user) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_duban_roles", None)
    if cached is None:
        cached = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
        user._duban_roles = cached
    return cached


def has_role(user, *roles) -> bool:
    return bool(roles_of(user) & set(roles))


def _sync_staff_flag(user):
    """Only the system and security administrators enter Django's admin."""
    should = bool(
        set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
        & {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN}
    )
    if user.is_staff != should or user.is_superuser:
        User.objects.filter(pk=user.pk).update(is_staff=should, is_superuser=False)
        user.is_staff, user.is_superuser = should, False


@transaction.atomic
def assign_role(user, role, *, scope=None, by=None) -> RoleAssignment:
    """Grant a role. The three administrators are separated (三员分立): one
    person never holds two of 系统管理员, 安全管理员 and 审计管理员."""
    if role not in Role.values:
        raise ValidationError({"role": f"未知角色“{role}”"})
    user = User.objects.select_for_update().get(pk=user.pk)
    held = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    if role in held:
        raise ValidationError({"role": f"{user.get_full_name() or user.username} 已有角色“{Role(role).label}”"})
    if role in ADMIN_ROLES:
        clash = held & ADMIN_ROLES
        if clash:
            other = Role(next(iter(clash))).label
            raise ValidationError(
                {"role": f"三员分立：{user.get_full_name() or user.username} 已是{other}，不能再兼任{Role(role).label}"}
            )
    ra = RoleAssignment.objects.create(user=user, role=role, scope=scope)
    _sync_staff_flag(user)
    user.__dict__.pop("_duban_roles", None)
    chain.record("org.role.grant", ra, after={"user": user.username, "role": role,
                                              "scope": scope.pk if scope else None}, actor=by)
    return ra


@transaction.atomic
def revoke_role(user, role, *, by=None):
    ra = RoleAssignment.objects.select_for_update().filter(user=user, role=role).first()
    if ra is None:
        raise ValidationError({"role": f"{user.get_full_name() or user.username} 没有角色“{Role(role).label}”"})
    before = {"user": user.username, "role": role, "scope": ra.scope_id}
    chain.record("org.role.revoke", ra, before=before, actor=by)
    ra.delete()
    _sync_staff_flag(user)


@transaction.atomic
def set_backup(person: Person, backup_user, by=None) -> Person:
    """Name a person's B role (AB角, ORG-4)."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if backup_user is not None and backup_user.pk == person.user_id:
        raise ValidationError({"backup": "B角不能是本人"})
    before = {"backup_id": person.backup_id}
    person.backup = backup_user
    person.save(update_fields=["backup"])
    chain.record("org.person.backup", person, before=before, after={"backup_id": person.backup_id}, actor=by)
    return person


@transaction.atomic
def set_away(person: Person, away_from, away_to=None, reason="", by=None, at=None) -> Person:
    person = Person.objects.select_for_update().get(pk=person.pk)
    if away_from and away_to and away_to <= away_from:
        raise ValidationError({"away_to": "外出结束时间必须晚于开始时间"})
    before = chain.snapshot(person, ["away_from", "away_to", "away_reason"])
    person.away_from, person.away_to, person.away_reason = away_from, away_to, reason
    person.save(update_fields=["away_from", "away_to", "away_reason"])
    chain.record("org.person.away", person, before=before,
                 after=chain.snapshot(person, ["away_from", "away_to", "away_reason"]), actor=by, occurred_at=at)
    return person


def principals_of(user, at=None) -> list:
    """The people `user` stands in for now (ORG-4): those who named `user`
    their B role and are marked away at `at`. Kept on the user object for
    the request when asked about now."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return []
    if at is None:
        cached = getattr(user, "_duban_principals", None)
        if cached is not None:
            return cached
    moment = at or timezone.now()
    people = (Person.objects.filter(backup=user, user__is_active=True, away_from__lte=moment)
              .filter(Q(away_to__isnull=True) | Q(away_to__gt=moment))
              .select_related("user", "unit").order_by("id"))
    principals = []
    for person in people:
        principal = person.user
        principal.person = person
        principals.append(principal)
    if at is None:
        user._duban_principals = principals
    return principals


def deputy_check(user, allowed, at=None) -> tuple:
    """(may, principal): whether `user` may do what `allowed(u)` permits,
    on their own right (principal None) or, while an A whose B role they
    are is away, in A's place (principal A: the step is recorded as B代A)."""
    if allowed(user):
        return True, None
    for principal in principals_of(user, at):
        if allowed(principal):
            return True, principal
    return False, None


def may_mark_away(by, person: Person) -> bool:
    """A unit head marks the people of their unit (and its offices) away;
    the system administrator anyone's."""
    if has_role(by, Role.SYSTEM_ADMIN):
        return True
    own = getattr(getattr(by, "person", None), "unit", None)
    return (own is not None and has_role(by, Role.UNIT_HEAD) and person.unit.path.startswith(own.path))


def mark_away(person: Person, by, *, away_from, away_to=None, reason="", backup=None, at=None) -> Person:
    """A unit head (or the system administrator) marks a person away from
    the app (ORG-4), naming or keeping their B role: while A is away, B
    receives A's messages and may act in A's place."""
    from django.core.exceptions import PermissionDenied

    at = at or timezone.now()
    person = Person.objects.select_related("unit", "user", "backup").get(pk=person.pk)
    if not may_mark_away(by, person):
        raise PermissionDenied("只有本单位负责人或系统管理员可以登记外出")
    reason = (reason or "").strip()
    errors = {}
    if away_from is None:
        errors["away_from"] = "请填写外出开始时间"
    if not reason:
        errors["away_reason"] = "请填写外出事由"
    target = backup if backup is not None else person.backup
    if target is None:
        errors["backup"] = "请先指定B角：外出期间由B角接收消息、代为办理"
    elif target.pk == person.user_id:
        errors["backup"] = "B角不能是本人"
    elif not target.is_active:
        errors["backup"] = "B角的账号已停用"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if backup is not None and backup.pk != person.backup_id:
            set_backup(person, backup, by=by)
        person = set_away(person, away_from, away_to, reason, by=by, at=at)
    return person


def end_away(person: Person, by, *, at=None) -> Person:
    """Back at work: the away period ends now."""
    from django.core.exceptions import PermissionDenied

    at = at or timezone.now()
    person = Person.objects.select_related("unit", "user").get(pk=person.pk)
    if not may_mark_away(by, person):
        raise PermissionDenied("只有本单位负责人或系统管理员可以登记外出")
    if not person.is_away(at):
        raise ValidationError({"away_to": f"{person.display_name}目前不在外出期间"})
    return set_away(person, person.away_from, at, person.away_reason, by=by, at=at)


def recipients_for(user, at=None) -> list:
    """Who receives the user's work and reminders now: the user, and their B
    role as well while the user is marked away (ORG-4)."""
    person = getattr(user, "person", None)
    result = [user]
    if person is not None and person.backup_id and person.is_away(at):
        result.append(person.backup)
    return result


@transaction.atomic
def create_group(name, kind, *, unit=None, parent_group=None, purpose="", basis="") -> WorkGroup:
    group = WorkGroup.objects.create(name=name, kind=kind, unit=unit, parent_group=parent_group,
                                     purpose=purpose, basis=basis)
    chain.record("org.group.create", group, after=chain.snapshot(group))
    return group


GROUP_FIELDS = ["name", "kind", "unit_id", "parent_group_id", "purpose", "basis"]
MEMBER_FIELDS = ["group_id", "user_id", "group_role", "duty", "sort_order"]
USER_FIELDS = ["first_name", "email", "is_active"]


@transaction.atomic
def update_group(group: WorkGroup, *, by=None, **changes) -> WorkGroup:
    group = WorkGroup.objects.select_for_update().get(pk=group.pk)
    before = chain.snapshot(group, GROUP_FIELDS)
    for key, value in changes.items():
        if key not in {"name", "kind", "unit", "parent_group", "purpose", "basis"}:
            raise ValidationError({key: "该字段不能修改"})
        setattr(group, key, value)
    group.full_clean()
    group.save()
    chain.record("org.group.update", group, before=before, after=chain.snapshot(group, GROUP_FIELDS), actor=by)
    return group


@transaction.atomic
def update_member(m: GroupMembership, *, by=None, **changes) -> GroupMembership:
    m = GroupMembership.objects.select_for_update().get(pk=m.pk)
    before = chain.snapshot(m, MEMBER_FIELDS)
    for key, value in changes.items():
        if key not in {"group_role", "duty", "sort_order"}:
            raise ValidationError({key: "该字段不能修改"})
        setattr(m, key, value)
    m.save()
    chain.record("org.group.member.update", m, before=before, after=chain.snapshot(m, MEMBER_FIELDS), actor=by)
    return m


@transaction.atomic
def remove_member(m: GroupMembership, *, by=None):
    chain.record("org.group.member.remove", m, before=chain.snapshot(m, MEMBER_FIELDS), actor=by)
    m.delete()


@transaction.atomic
def update_user(user, *, by=None, **changes):
    """The account's name, e-mail and whether it is active (系统管理员)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    before = chain.snapshot(user, USER_FIELDS)
    for key, value in changes.items():
        if key not in USER_FIELDS:
            raise ValidationError({key: "该字段不能修改"})
        setattr(user, key, value)
    user.save(update_fields=list(changes) or None)
    chain.record("org.user.update", user, before=before, after=chain.snapshot(user, USER_FIELDS), actor=by)
    return user


@transaction.atomic
def add_member(group: WorkGroup, user, group_role, duty="", sort_order=0) -> GroupMembership:
    if GroupMembership.objects.filter(group=group, user=user).exists():
        raise ValidationError({"user": f"{user.get_full_name()} 已是“{group.name}”成员"})
    m = GroupMembership.objects.create(group=group, user=user, group_role=group_role, duty=duty,
                                       sort_order=sort_order)
    chain.record("org.group.member.add", m, after=chain.snapshot(m))
    return m



# --- personal data in full ------------------------------------------------------

PERSONAL_LABELS = {"mobile": "手机", "id_number": "身份证号"}


REVEAL_ROLES = (Role.SUPERVISOR, Role.LEADER, Role.DUTY_OFFICER, Role.DUTY_LEADER, Role.UNIT_HEAD)


def reveal_paths(user) -> list[str] | None:
    """The unit paths under which `user` may see people's numbers in full
    (None: everywhere; the system administrator keeps the directory): the
    scope of their 督查室, leader, duty or unit-head role, else their own
    unit, with its subtree."""
    if not getattr(user, "is_authenticated", False):
        return []
    if has_role(user, Role.SYSTEM_ADMIN):
        return None
    if not has_role(user, *REVEAL_ROLES):
        return []
    own = Person.objects.filter(user=user).select_related("unit").first()
    paths = []
    for ra in RoleAssignment.objects.filter(user=user, role__in=REVEAL_ROLES).select_related("scope"):
        unit = ra.scope or (own.unit if own else None)
        if unit is not None:
            paths.append(unit.path)
    return paths


def may_reveal(user, person: Person, paths=...) -> bool:
    """May `user` see `person`'s numbers in full (themselves, or within
    reveal_paths)? Pass `paths` when asking for many people."""
    if not getattr(user, "is_authenticated", False):
        return False
    if person.user_id == user.pk:
        return True
    if paths is ...:
        paths = reveal_paths(user)
    return paths is None or any(person.unit.path.startswith(p) for p in paths)


@transaction.atomic
def reveal(user, person: Person, field: str, *, purpose="view") -> str:
    """A person's mobile or ID number in full, for someone who may see it;
    every such look is journaled (org.person.unmask)."""
    if field not in PERSONAL_FIELDS:
        raise ValidationError({"field": "只能查看手机或身份证号"})
    if not may_reveal(user, person):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(f"无权查看{person.display_name}的完整{PERSONAL_LABELS[field]}")
    chain.record("org.person.unmask", person, after={"field": field, "purpose": purpose}, actor=user)
    return getattr(person, field)


def export_value(user, person: Person, field: str, *, purpose="export") -> str:
    """What an export writes: the full value (journaled) for those who may
    see it, the masked one for everyone else."""
    value = getattr(person, field) or ""
    if value and may_reveal(user, person):
        return reveal(user, person, field, purpose=purpose)
    return mask(value)

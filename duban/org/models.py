"""Organisation: units in a tree, people, roles, A/B backups, working groups.

Units keep a materialised path ("0001.0007.0012.") so that a subtree is one
indexed prefix query (`path__startswith`) at any depth and any size.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from duban.core.crypto import mask
from duban.core.fields import EncryptedTextField


class UnitKind(models.TextChoices):
    GOVERNMENT = "government", "人民政府"
    TOWN = "town", "镇（街道）"
    DEPARTMENT = "department", "部门"
    OFFICE = "office", "科室"
    TASK_FORCE = "task_force", "工作专班"
    LEADING_GROUP = "leading_group", "领导小组"
    OTHER = "other", "其他"


PATH_STEP = 4  # digits per level: up to 9999 children under one parent


class Unit(models.Model):
    name = models.CharField("名称", max_length=100)
    short_name = models.CharField("简称", max_length=50, blank=True)
    code = models.CharField("代码", max_length=40, unique=True, null=True, blank=True)
    kind = models.CharField("类型", max_length=20, choices=UnitKind.choices, default=UnitKind.DEPARTMENT)
    parent = models.ForeignKey(
        "self", verbose_name="上级单位", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField("树路径", max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField("层级", default=0, editable=False)
    sort_order = models.PositiveIntegerField("排序", default=0)
    phone = models.CharField("办公电话", max_length=40, blank=True)
    is_active = models.BooleanField("在用", default=True)

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="org_unit_unique_name_under_parent"),
        ]

    def __str__(self):
        return self.name

    def descendants(self, include_self=True):
        qs = Unit.objects.filter(path__startswith=self.path)
        return qs if include_self else qs.exclude(pk=self.pk)

    def ancestor_paths(self, include_self=True) -> list:
        """The paths of the units above this one, from the root down (its own
        last, unless `include_self` is false): the path's prefixes."""
        step = PATH_STEP + 1
        prefixes = [self.path[:k] for k in range(step, len(self.path) + 1, step)]
        return prefixes if include_self else prefixes[:-1]

    def ancestors(self, include_self=False):
        return Unit.objects.filter(path__in=self.ancestor_paths(include_self)).order_by("depth")

    def is_within(self, other):
        return self.path.startswith(other.path)


class Role(models.TextChoices):
    SUPERVISOR = "supervisor", "督查室"
    LIAISON = "liaison", "单位联络员"
    UNIT_HEAD = "unit_head", "单位负责人"
    LEADER = "leader", "领导"
    DUTY_OFFICER = "duty_officer", "值班员"
    DUTY_LEADER = "duty_leader", "带班领导"
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDIT_ADMIN = "audit_admin", "审计管理员"


# The three separated administrators (三员分立): nobody holds two of them.
ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
# Roles whose scope unit is a jurisdiction: they see the scope's whole subtree.
JURISDICTION_ROLES = frozenset({Role.SUPERVISOR, Role.LEADER})


class Person(models.Model):
    """A person's profile on Django's user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="账号", on_delete=models.CASCADE, related_name="person"
    )
    unit = models.ForeignKey(Unit, verbose_name="所在单位", on_delete=models.PROTECT, related_name="people")
    position = models.CharField("职务", max_length=60, blank=True)
    office_phone = models.CharField("办公电话", max_length=40, blank=True)
    # Personal data, SM4-encrypted at rest and shown masked (duban.core.crypto).
    mobile = EncryptedTextField("手机", max_length=20, blank=True)
    id_number = EncryptedTextField("身份证号", max_length=18, blank=True)
    is_leader = models.BooleanField("领导干部", default=False)
    sort_order = models.PositiveIntegerField("排序", default=0)
    backup = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="B角（备岗人）",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="backing_up",
    )
    away_from = models.DateTimeField("外出开始", null=True, blank=True)
    away_to = models.DateTimeField("外出结束", null=True, blank=True)
    away_reason = models.CharField("外出事由", max_length=100, blank=True)

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        ordering = ["unit__path", "sort_order", "id"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        return self.user.get_full_name() or self.user.username

    @property
    def mobile_masked(self):
        return mask(self.mobile)

    @property
    def id_number_masked(self):
        return mask(self.id_number)

    def is_away(self, at=None):
        at = at or timezone.now()
        if not self.away_from:
            return False
        return self.away_from <= at and (self.away_to is None or at < self.away_to)


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="账号", on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField("角色", max_length=20, choices=Role.choices, db_index=True)
    scope = models.ForeignKey(
        Unit,
        verbose_name="管辖范围",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="督查室、领导：可见该单位及其全部下级；留空则为本人所在单位。",
    )
    granted_at = models.DateTimeField("授予时间", default=timezone.now)

    class Meta:
        verbose_name = "角色授予"
        verbose_name_plural = "角色授予"
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="org_role_once_per_user"),
        ]

    def __str__(self):
        return f"{self.user.get_full_name() or self.user.username} · {self.get_role_display()}"


class GroupKind(models.TextChoices):
    LEADING_GROUP = "leading_group", "领导小组"
    OFFICE = "office", "领导小组办公室"
    TASK_FORCE = "task_force", "工作专班"


class WorkGroup(models.Model):
    """A leading group, its office or a task force (ORG-5)."""

    name = models.CharField("名称", max_length=120, unique=True)
    kind = models.CharField("类型", max_length=20, choices=GroupKind.choices)
    unit = models.OneToOneField(
        Unit,
        verbose_name="对应单位节点",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="work_group",
        help_text="专班在单位树中的节点，事项可交给它办理。",
    )
    parent_group = models.ForeignKey(
        "self", verbose_name="所属领导小组", null=True, blank=True, on_delete=models.SET_NULL, related_name="sub_groups"
    )
    purpose = models.TextField("职责", blank=True)
    basis = models.CharField("设立依据", max_length=200, blank=True)

    class Meta:
        verbose_name = "领导小组/工作专班"
        verbose_name_plural = "领导小组/工作专班"

    def __str__(self):
        return self.name


class GroupMembership(models.Model):
    group = models.ForeignKey(WorkGroup, verbose_name="小组", on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="成员", on_delete=models.PROTECT, related_name="group_memberships"
    )
    group_role = models.CharField("小组职务", max_length=30, help_text="如：组长、副组长、成员、联络员")
    duty = models.CharField("分工职责", max_length=200, blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "小组成员"
        verbose_name_plural = "小组成员"
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="org_member_once_per_group")]

    def __str__(self):
        return f"{self.group} · {self.user.get_full_name() or self.user.username} · {self.group_role}"

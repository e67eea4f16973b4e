"""Who may do what among the three separated administrators (三员分立).

- 系统管理员 (system administrator): accounts, people and units.
- 安全管理员 (security administrator): role assignments and the security policy.
- 审计管理员 (audit administrator): reads the journal, and nothing else.

Views use `require_role`; admin classes use `RoleAdminMixin`. A signed-in
user without the role gets 404, never 403, so that a page's existence does
not leak.
"""

from functools import wraps

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import Http404

from duban.org.models import Role
from duban.org.services import has_role


def can_manage_users(user) -> bool:
    return has_role(user, Role.SYSTEM_ADMIN)


def can_set_policies(user) -> bool:
    return has_role(user, Role.SECURITY_ADMIN)


def can_assign_roles(user) -> bool:
    return has_role(user, Role.SECURITY_ADMIN)


def can_read_journal(user) -> bool:
    return has_role(user, Role.AUDIT_ADMIN)


def require_role(*roles):
    """View decorator: anonymous users go to the login page; signed-in users
    without one of `roles` get 404."""
    if not roles:
        raise ValueError("require_role() needs at least one role")

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(user, *roles):
                raise Http404("页面不存在")
            return view(request, *args, **kwargs)

        wrapped.required_roles = frozenset(roles)
        return wrapped

    return decorator


class RoleAdminMixin:
    """For ModelAdmin classes: only holders of `admin_roles` see the model in
    the admin, and they may view, add, change and delete (each can still be
    narrowed by overriding it). Django's per-model permissions are not used:
    roles are the single source of who may do what."""

    admin_roles: tuple = ()

    def _holds_role(self, request) -> bool:
        return bool(self.admin_roles) and has_role(request.user, *self.admin_roles)

    def has_module_permission(self, request):
        return self._holds_role(request)

    def has_view_permission(self, request, obj=None):
        return self._holds_role(request)

    def has_add_permission(self, request, *args, **kwargs):
        return self._holds_role(request)

    def has_change_permission(self, request, obj=None):
        return self._holds_role(request)

    def has_delete_permission(self, request, obj=None):
        return self._holds_role(request)


class ReadOnlyRoleAdmin(RoleAdminMixin):
    """For ModelAdmin classes of business records: the system administrator
    may look; nobody adds, changes or deletes there, because every write goes
    through a service function that journals it."""

    admin_roles = (Role.SYSTEM_ADMIN,)

    def has_add_permission(self, request, *args, **kwargs):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyRoleAdmin, admin.ModelAdmin):
    """The admin page of a business record: looked at, never edited."""


class ReadOnlyInline(admin.TabularInline):
    """Rows shown under a read-only record: no adding, changing or deleting."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return True

"""The organisation in Django's admin, in Chinese. Every save goes through
duban.org.services so that it is journaled; nothing is deleted here (units
and people are deactivated instead), and each page is open only to the
administrator whose job it is (三员分立)."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from duban.security.permissions import RoleAdminMixin

from . import services
from .models import GroupMembership, Person, Role, RoleAssignment, Unit, WorkGroup

User = get_user_model()


class RoleGatedAdmin(RoleAdminMixin, admin.ModelAdmin):
    """Open only to holders of `admin_roles`; nothing is deleted here."""

    admin_roles = (Role.SYSTEM_ADMIN,)

    def _allowed(self, request):
        return self._holds_role(request)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(RoleGatedAdmin):
    list_display = ["indented_name", "kind", "code", "phone", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name", "code"]
    fields = ["name", "short_name", "code", "kind", "parent", "sort_order", "phone", "is_active"]
    autocomplete_fields = ["parent"]
    list_per_page = 100

    @admin.display(description="名称", ordering="path")
    def indented_name(self, obj):
        return "　" * obj.depth + obj.name

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in form.changed_data}
        if change:
            services.update_unit(obj, **data)
        else:
            created = services.create_unit(
                obj.name, parent=obj.parent, kind=obj.kind, short_name=obj.short_name, code=obj.code,
                sort_order=obj.sort_order, phone=obj.phone,
            )
            obj.pk, obj.path, obj.depth = created.pk, created.path, created.depth


class PersonAddForm(forms.ModelForm):
    username = forms.CharField(label="登录名", max_length=150)
    full_name = forms.CharField(label="姓名", max_length=150)
    email = forms.EmailField(label="电子邮箱", required=False)
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput, required=False,
                               help_text="留空则不能登录，直到设置密码。")

    class Meta:
        model = Person
        fields = ["unit", "position", "office_phone", "mobile", "id_number", "is_leader", "sort_order"]

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username=username).exists():
            raise ValidationError(f"登录名“{username}”已被使用")
        return username

    def clean_password(self):
        password = self.cleaned_data.get("password")
        if password:
            password_validation.validate_password(password)
        return password


@admin.register(Person)
class PersonAdmin(RoleGatedAdmin):
    list_display = ["display_name", "unit", "position", "office_phone", "mobile_masked", "is_leader", "backup"]
    list_filter = ["is_leader"]
    search_fields = ["user__first_name", "user__username", "position", "unit__name"]
    list_select_related = ["user", "unit", "backup"]
    autocomplete_fields = ["unit", "backup"]
    fields = ["unit", "position", "office_phone", "mobile", "id_number", "is_leader", "sort_order", "backup",
              "away_from", "away_to", "away_reason"]
    list_per_page = 100

    @admin.display(description="手机")
    def mobile_masked(self, obj):
        return obj.mobile_masked or "—"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The edit form shows the numbers in full: the look is journaled.
        if request.method == "GET":
            person = Person.objects.filter(pk=object_id).select_related("unit", "user").first()
            if person is not None and self._holds_role(request):
                for field in services.PERSONAL_FIELDS:
                    if getattr(person, field):
                        services.reveal(request.user, person, field, purpose="admin_edit")
        return super().change_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = PersonAddForm
            kwargs["fields"] = None
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["username", "full_name", "email", "password", "unit", "position", "office_phone", "mobile",
                    "id_number", "is_leader", "sort_order"]
        return self.fields

    def save_model(self, request, obj, form, change):
        cd = form.cleaned_data
        if not change:
            created = services.create_person(
                cd["username"], full_name=cd["full_name"], unit=cd["unit"], position=cd["position"],
                office_phone=cd["office_phone"], mobile=cd["mobile"], id_number=cd.get("id_number") or "",
                is_leader=cd["is_leader"],
                password=cd.get("password") or None, email=cd.get("email") or "", sort_order=cd["sort_order"],
            )
            obj.pk, obj.user_id = created.pk, created.user_id
            return
        simple = {k: cd[k] for k in form.changed_data
                  if k in {"unit", "position", "office_phone", "mobile", "id_number", "is_leader", "sort_order"}}
        with transaction.atomic():
            if simple:
                services.update_person(obj, **simple)
            if "backup" in form.changed_data:
                services.set_backup(obj, cd["backup"])
            if {"away_from", "away_to", "away_reason"} & set(form.changed_data):
                services.set_away(obj, cd["away_from"], cd["away_to"], cd["away_reason"])


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(RoleGatedAdmin):
    """Roles are granted by the 安全管理员 only."""

    admin_roles = (Role.SECURITY_ADMIN,)
    list_display = ["user_name", "role", "scope", "granted_at"]
    list_filter = ["role"]
    search_fields = ["user__first_name", "user__username"]
    list_select_related = ["user", "scope"]
    autocomplete_fields = ["user", "scope"]
    fields = ["user", "role", "scope"]

    @admin.display(description="人员")
    def user_name(self, obj):
        return obj.user.get_full_name() or obj.user.username

    def has_change_permission(self, request, obj=None):
        # A grant is revoked and granted again, never edited in place.
        return self._allowed(request) and obj is None

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request)

    def save_model(self, request, obj, form, change):
        # The form's clean() has already refused duplicates and 三员 clashes.
        created = services.assign_role(obj.user, obj.role, scope=obj.scope, by=request.user)
        obj.pk = created.pk

    def delete_model(self, request, obj):
        services.revoke_role(obj.user, obj.role, by=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset.select_related("user"):
            services.revoke_role(obj.user, obj.role, by=request.user)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class CheckedForm(form):
            def clean(self):
                cleaned = super().clean()
                user, role = cleaned.get("user"), cleaned.get("role")
                if user and role:
                    held = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
                    if role in held:
                        raise ValidationError(f"{user.get_full_name() or user.username} 已有该角色")
                    clash = held & {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}
                    if role in {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN} and clash:
                        raise ValidationError(
                            f"三员分立：{user.get_full_name() or user.username} 已是"
                            f"{Role(next(iter(clash))).label}，不能再兼任{Role(role).label}"
                        )
                return cleaned

        return CheckedForm


class MembershipInline(admin.TabularInline):
    model = GroupMembership
    extra = 1
    autocomplete_fields = ["user"]
    fields = ["user", "group_role", "duty", "sort_order"]

    def has_view_permission(self, request, obj=None):
        return services.has_role(request.user, Role.SYSTEM_ADMIN)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


@admin.register(WorkGroup)
class WorkGroupAdmin(RoleGatedAdmin):
    list_display = ["name", "kind", "unit", "parent_group"]
    list_filter = ["kind"]
    search_fields = ["name"]
    autocomplete_fields = ["unit", "parent_group"]
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        cd = form.cleaned_data
        if change:
            services.update_group(obj, by=request.user, **{k: cd[k] for k in form.changed_data})
        else:
            created = services.create_group(cd["name"], cd["kind"], unit=cd.get("unit"),
                                            parent_group=cd.get("parent_group"), purpose=cd.get("purpose", ""),
                                            basis=cd.get("basis", ""))
            obj.pk = created.pk

    def save_formset(self, request, form, formset, change):
        with transaction.atomic():
            instances = formset.save(commit=False)
            for m in formset.deleted_objects:
                services.remove_member(m, by=request.user)
            for m in instances:
                if m.pk is None:
                    services.add_member(form.instance, m.user, m.group_role, duty=m.duty, sort_order=m.sort_order)
                else:
                    changed = next((f.changed_data for f in formset.forms if f.instance is m), [])
                    services.update_member(m, by=request.user, **{k: getattr(m, k) for k in changed
                                                                   if k in {"group_role", "duty", "sort_order"}})


class UserAdmin(RoleGatedAdmin):
    """Accounts: the 系统管理员 edits names, e-mail and whether an account is
    active. Roles are granted elsewhere (安全管理员); there are no superusers."""

    list_display = ["username", "first_name", "email", "is_active", "last_login"]
    list_filter = ["is_active"]
    search_fields = ["username", "first_name", "email"]
    fields = ["username", "first_name", "email", "is_active"]
    readonly_fields = ["username"]

    def has_add_permission(self, request):
        return False  # people are added in 人员, which creates their account

    def save_model(self, request, obj, form, change):
        services.update_user(obj, by=request.user, **{k: form.cleaned_data[k] for k in form.changed_data
                                                       if k in services.USER_FIELDS})


admin.site.unregister(User)
admin.site.unregister(Group)
admin.site.register(User, UserAdmin)
User._meta.get_field("first_name").verbose_name = "姓名"

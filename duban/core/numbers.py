"""The seed numbers an administrator may edit (duban.core.models.SeedNumber):
read by code with the seed's value as the fallback, changed only through
`save_number` (validated, journaled), and shown in the admin to the system
administrator through `SeedNumberAdmin`."""

from django.contrib import admin
from django.db import transaction

from duban.journal import chain
from duban.org.models import Role
from duban.security.permissions import RoleAdminMixin

FIELDS = ["code", "name", "value", "unit_label", "seed_section", "description"]


def number(model, code: str, default: int) -> int:
    """The value of row `code` of `model`; `default` (the seed's number)
    when an administrator has deleted the row."""
    value = model.objects.filter(code=code).values_list("value", flat=True).first()
    return default if value is None else value


def save_number(row, *, by=None):
    """Create or change one row, journaled with its value before and after."""
    label = row._meta.label_lower
    with transaction.atomic():
        row.full_clean()
        old = type(row).objects.select_for_update().filter(pk=row.pk).first() if row.pk else None
        before = chain.snapshot(old, FIELDS) if old else None
        row.save()
        chain.record(f"{label}.{'update' if before else 'create'}", row, before=before,
                     after=chain.snapshot(row, FIELDS), actor=by)
    return row


def delete_number(row, *, by=None):
    with transaction.atomic():
        before = chain.snapshot(row, FIELDS)
        pk, text, label = row.pk, str(row), row._meta.label_lower
        row.delete()
        chain.record(f"{label}.delete", None, before=before, object_type=label, object_id=pk, object_repr=text,
                     actor=by)


class SeedNumberAdmin(RoleAdminMixin, admin.ModelAdmin):
    """The rows in the admin: the system administrator edits them; each
    save and delete goes through the journaled services above."""

    admin_roles = (Role.SYSTEM_ADMIN,)
    list_display = ("name", "value", "unit_label", "seed_section", "updated_at")
    search_fields = ("code", "name", "description")
    fields = ("code", "name", "value", "unit_label", "seed_section", "description")

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        save_number(obj, by=request.user)

    def delete_model(self, request, obj):
        delete_number(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for row in queryset:
            delete_number(row, by=request.user)


def seeder(app_label: str, model_name: str, rows):
    """(seed, unseed) for the data migration that loads an app's rows:
    `rows` are (code, name, value, unit label, seed section, description).
    Seeding again updates the rows by code."""

    def seed(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        for code, name, value, unit, section, description in rows:
            model.objects.update_or_create(code=code, defaults=dict(
                name=name, value=value, unit_label=unit, seed_section=section, description=description))

    def unseed(apps, schema_editor):
        apps.get_model(app_label, model_name).objects.filter(code__in=[r[0] for r in rows]).delete()

    return seed, unseed

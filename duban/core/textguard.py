"""Text that no record may hold (issue 21 item 6): NUL characters, which
PostgreSQL refuses and which no clerk types, and text longer than its
column. Checked before every save of the project's models, whatever wrote
it (page, API, import, command), so that a refusal names the field in
Chinese instead of surfacing as a database error (a 500) or, on SQLite,
being stored past the column's length."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import pre_save

NUL = "\x00"


def check_instance(instance) -> None:
    errors = {}
    for field in instance._meta.concrete_fields:
        if not isinstance(field, models.CharField | models.TextField):
            continue
        value = getattr(instance, field.attname, None)
        if not isinstance(value, str):
            continue
        label = str(field.verbose_name)
        if NUL in value:
            errors[field.name] = [f"“{label}”含有空字符（\\x00），请删除后重试"]
        elif field.max_length and len(value) > field.max_length:
            errors[field.name] = [f"“{label}”不能超过 {field.max_length} 个字符（现有 {len(value)} 个）"]
    if errors:
        raise ValidationError(errors)


def _guard(sender, instance, raw=False, **kwargs):
    if raw or not (sender.__module__.startswith("duban.") or sender._meta.label == "auth.User"):
        return
    check_instance(instance)


def connect():
    pre_save.connect(_guard, dispatch_uid="duban_textguard")

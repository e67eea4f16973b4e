"""Documents in Django's admin: the length limits are rows the system
administrator edits (journaled); the documents and their arrangements are
read-only, written only through duban.documents.services."""

from django.contrib import admin

from duban.core.numbers import SeedNumberAdmin
from duban.security.permissions import ReadOnlyAdmin, ReadOnlyInline

from .models import Document, DocumentTask, LengthLimit


@admin.register(LengthLimit)
class LengthLimitAdmin(SeedNumberAdmin):
    pass


class TaskInline(ReadOnlyInline):
    model = DocumentTask
    fields = ("seq", "content", "unit", "person", "due_on")


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "direction", "unit", "urgency", "state", "registered_at", "only_forwards")
    list_filter = ("direction", "state", "urgency", "layout", "only_forwards")
    list_select_related = ("unit",)
    search_fields = ("number", "title", "issuer_name")
    inlines = [TaskInline]

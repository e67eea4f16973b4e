"""Shared records in Django's admin, read-only: numbers are taken only by
duban.core.serials."""

from django.contrib import admin

from duban.security.permissions import ReadOnlyAdmin

from .models import SerialCounter


@admin.register(SerialCounter)
class SerialCounterAdmin(ReadOnlyAdmin):
    list_display = ["series", "year", "last"]
    list_filter = ["series", "year"]

"""Read-only admin for 作风整治: every write goes through the services."""

from django.contrib import admin

from duban.security.permissions import ReadOnlyAdmin

from .models import Campaign, LedgerSubmission, LookBack, Problem, SpotCheck


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "start_date", "end_date", "category_set", "task_force")
    search_fields = ("code", "name")


@admin.register(LedgerSubmission)
class LedgerSubmissionAdmin(ReadOnlyAdmin):
    list_display = ("campaign", "phase", "unit", "state", "submitted_at", "problem_count")
    list_filter = ("state", "campaign")


@admin.register(Problem)
class ProblemAdmin(ReadOnlyAdmin):
    list_display = ("number", "unit", "category", "source", "state", "round", "deadline", "long_term",
                    "repeat_count", "is_public")
    list_filter = ("state", "source", "is_public", "campaign")
    search_fields = ("number", "description")


@admin.register(SpotCheck)
class SpotCheckAdmin(ReadOnlyAdmin):
    list_display = ("title", "campaign", "kind", "target_kind", "target_count", "inspector_count", "seed",
                    "drawn_at")


@admin.register(LookBack)
class LookBackAdmin(ReadOnlyAdmin):
    list_display = ("title", "campaign", "sample_size", "seed", "started_at")

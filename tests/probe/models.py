"""A test-only record that exercises the visibility module the way business
records (matters, problems, incidents) will."""

from django.conf import settings
from django.db import models

from duban.org.visibility import VisibilitySpec


class ProbeRecord(models.Model):
    title = models.CharField(max_length=100)
    owner_unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    lead_unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cooperating_units = models.ManyToManyField("org.Unit", blank=True, related_name="+")
    instructed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")

    visibility = VisibilitySpec(
        unit_fields=("owner_unit", "lead_unit"),
        multi_unit_fields=("cooperating_units",),
        user_fields=("instructed_by",),
    )

    class Meta:
        app_label = "probe"

    def __str__(self):
        return self.title

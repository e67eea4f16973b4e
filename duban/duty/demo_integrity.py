"""The demo county's duty case for the integrity review (issue 18, AUD-3):
青山镇 enters, at the moment of loading, an incident it learned of three
hours before, with a phone call it says it made six minutes after learning
of it -- so the 15-minute phone clock is judged met on the typed moment,
while the server recorded the call hours later. Written through
duban.duty.services; idempotent (the incident's title)."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from . import services
from .models import Incident, IncidentKind, IncidentLevel

User = get_user_model()

TITLE = "青山镇石料厂运输车辆侧翻（问责演示）"


def load_integrity_cases(now=None) -> str:
    now = now or timezone.now()
    if Incident.objects.filter(title=TITLE).exists():
        return "问责与监督演示案例（值班）已存在，未做改动。"
    user = User.objects.filter(username="qingshan_lly").select_related("person__unit").first()
    if user is None:
        return "未载入问责与监督演示案例（值班）：缺少示范县人员。"
    learned = now - dt.timedelta(hours=3)
    with transaction.atomic():
        inc = services.report_incident(
            user, title=TITLE, kind=IncidentKind.ACCIDENT, level=IncidentLevel.LARGER,
            occurred_at=learned - dt.timedelta(minutes=10), learned_at=learned, place="青山镇石料厂进场道路",
            reporting_unit=user.person.unit, description="一辆石料运输车辆在进场道路侧翻，司机轻伤，已送医。")
        services.record_phone_report(inc, user, called_at=learned + dt.timedelta(minutes=6),
                                     caller_name=user.get_full_name(), callee_name="县政府总值班室",
                                     summary="报告车辆侧翻情况，司机轻伤，正在处置。")
    return "问责与监督演示案例（值班）已载入：1 起事件。"

"""What 值班 tells the integrity review (duban.core.feeds; declared as
`record_feed` on DutyConfig): the phone reports whose typed moment (通话时间)
met the 15-minute phone clock, with the moment the server recorded them
(the journal's `recorded_at`), so that a report typed in long after the
call, with a call time just inside the limit, shows up. Reads only."""

from django.contrib.contenttypes.models import ContentType

from duban.clocks.models import Clock, ClockState
from duban.core.feeds import Feed, Ref, TypedMoment
from duban.journal.models import Event

from .models import Incident, PhoneReport
from .services import PHONE


class DutyFeed(Feed):
    name = "duty.incident"

    def typed_moments(self, since):
        phones = list(PhoneReport.objects.filter(recorded_at__gte=since).select_related("incident")
                      .order_by("incident_id", "called_at", "id"))
        if not phones:
            return
        ct = ContentType.objects.get_for_model(Incident)
        clocks = {int(c.owner_id): c for c in Clock.objects.filter(
            owner_type=ct, kind=PHONE, owner_id__in=[str(p.incident_id) for p in phones],
            state__in=[ClockState.MET, ClockState.MET_LATE])}
        recorded = dict(Event.objects.filter(object_type="duty.phonereport", action="duty.phone.record",
                                             object_id__in=[str(p.pk) for p in phones])
                        .values_list("object_id", "recorded_at"))
        for p in phones:
            clock = clocks.get(p.incident_id)
            server = recorded.get(str(p.pk))
            # Only the report whose call time met the clock was judged on it.
            if clock is None or server is None or clock.met_at != p.called_at:
                continue
            inc = p.incident
            yield TypedMoment(
                key=f"duty.phonereport#{p.pk}",
                ref=Ref(f"{inc.title}：电话报告", inc.get_absolute_url(), p.unit_id, p.recorded_by_id),
                what="通话时间", typed_at=p.called_at, recorded_at=server, clock_label=clock.label,
                due_at=clock.due_at, object_type="duty.phonereport", object_id=str(p.pk))


def feed():
    return DutyFeed()

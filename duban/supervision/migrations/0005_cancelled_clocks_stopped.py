# Cancelled matters' clocks were left paused (or breached) and kept a red, yellow or green light:
# the lists counted them under those lights. They are stopped now, as cancel_matter stops them
# from here on (duban.clocks.services.stop): stopped at the cancellation, an open pause ended
# then, and the matter's current clock is its completion clock, as for every matter without an
# open clock (services._refresh_current). The cancellation's journal event already records the
# end of the obligation; this writes no event of its own.

from django.db import migrations
from django.db.models import F

OPEN = ("running", "paused", "breached")
CHUNK = 500


def stop_cancelled_clocks(apps, schema_editor):
    Matter = apps.get_model("supervision", "Matter")
    Clock = apps.get_model("clocks", "Clock")
    ClockPause = apps.get_model("clocks", "ClockPause")
    ContentType = apps.get_model("contenttypes", "ContentType")
    ct = ContentType.objects.filter(app_label="supervision", model="matter").first()
    if ct is None:  # a new database: nothing was cancelled yet
        return
    cancelled = dict(Matter.objects.filter(state="cancelled").values_list("id", "cancelled_at"))
    keys = [str(pk) for pk in cancelled]
    for k in range(0, len(keys), CHUNK):
        clocks = list(Clock.objects.filter(owner_type=ct, owner_id__in=keys[k:k + CHUNK], state__in=OPEN))
        if not clocks:
            continue
        ends = {}
        for c in clocks:
            at = cancelled[int(c.owner_id)] or c.paused_at or c.due_at
            if c.state == "paused" and c.paused_at:
                ends[c.pk] = max(at, c.paused_at)
            c.state, c.paused_at, c.stopped_at = "stopped", None, at
        Clock.objects.bulk_update(clocks, ["state", "paused_at", "stopped_at"], batch_size=CHUNK)
        pauses = list(ClockPause.objects.filter(clock_id__in=list(ends), ended_at__isnull=True))
        for p in pauses:
            p.ended_at = ends[p.clock_id]
        ClockPause.objects.bulk_update(pauses, ["ended_at"], batch_size=CHUNK)
    Matter.objects.filter(state="cancelled", completion_clock__isnull=False).update(
        current_clock_id=F("completion_clock_id"), open_due_at=None, open_frozen_light=None)


def pause_stopped_clocks(apps, schema_editor):
    """Back, as cancel_matter left them before: a breached clock breached,
    the others paused from the moment they stopped."""
    Clock = apps.get_model("clocks", "Clock")
    ClockPause = apps.get_model("clocks", "ClockPause")
    Clock.objects.filter(state="stopped", breached_at__isnull=False).update(state="breached", stopped_at=None)
    stopped = list(Clock.objects.filter(state="stopped"))
    ClockPause.objects.bulk_create([ClockPause(clock_id=c.pk, started_at=c.stopped_at, reason="事项撤销")
                                    for c in stopped], batch_size=CHUNK)
    Clock.objects.filter(state="stopped").update(state="paused", paused_at=F("stopped_at"), stopped_at=None)


class Migration(migrations.Migration):

    dependencies = [
        ("clocks", "0005_stopped"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("supervision", "0004_list_indexes"),
    ]

    operations = [
        migrations.RunPython(stop_cancelled_clocks, pause_stopped_clocks),
    ]

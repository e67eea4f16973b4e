"""Checks shared by the demo tests: the demo's story lies in the past of the
moment of loading, and the journal tells its business moments."""

from django.apps import apps
from django.db.models import F

from duban.journal.models import Event

# Moments of things that happened (deadlines and planned moments may lie ahead).
HAPPENED = {
    "journal.Event": ["recorded_at", "occurred_at"],
    "journal.EvidenceFile": ["uploaded_at"],
    "clocks.Clock": ["started_at", "paused_at", "warned_at", "breached_at", "met_at", "stopped_at"],
    "clocks.ClockFlip": ["moment", "created_at", "processed_at"],
    "notify.Message": ["created_at", "sent_at"],
    "supervision.Matter": ["created_at", "assigned_at", "acknowledged_at", "started_at", "completion_requested_at",
                           "completed_at", "archived_at", "cancelled_at", "closed_at"],
    "supervision.Report": ["submitted_at", "reviewed_at"],
    "supervision.ExtensionRequest": ["requested_at", "decided_at"],
    "supervision.Urge": ["urged_at"],
    "rectification.Campaign": ["created_at"],
    "rectification.LedgerSubmission": ["submitted_at"],
    "rectification.Problem": ["created_at", "closed_at", "published_at"],
    "rectification.ProblemRound": ["started_at", "submitted_at", "verified_at", "closed_at"],
    "rectification.ProblemEntry": ["at"],
    "rectification.SpotCheck": ["drawn_at"],
    "rectification.LookBack": ["started_at"],
    "rectification.LookBackItem": ["checked_at"],
    "duty.Incident": ["occurred_at", "learned_at", "created_at"],
    "duty.PhoneReport": ["called_at", "recorded_at"],
    "duty.WrittenReport": ["first_sent_at", "sent_at", "created_at"],
    "duty.Signature": ["signed_at"],
    "portal.Ticket": ["received_at", "created_at", "closed_at"],
    "portal.Dispatch": ["dispatched_at", "returned_at", "answered_at"],
    "portal.DispatchExtension": ["requested_at", "decided_at"],
    "portal.FollowUp": ["contacted_at", "recorded_at"],
    "portal.RatingInvitation": ["created_at"],
    "portal.Rating": ["rated_at", "verified_at", "handled_at", "called_back_at"],
    "portal.Appeal": ["appealed_at", "decided_at"],
    "portal.TypicalCase": ["drafted_at", "submitted_at", "reviewed_at", "published_at"],
    "notify.Attempt": ["started_at"],
    "documents.Document": ["registered_at", "received_at", "approved_at", "submitted_at", "issued_at", "flagged_at"],
    "plans.PlanUsage": ["counted_at", "withdrawn_at"],
    "plans.AnnualPlan": ["set_at", "warned_near_at", "warned_full_at"],
    "plans.ExcessRequest": ["requested_at", "decided_at"],
    "plans.Inspection": ["filed_at", "cancelled_at"],
    "meetings.Meeting": ["registered_at", "decided_at", "notice_issued_at", "actual_start", "actual_end",
                         "cancelled_at"],
    "meetings.AgendaItem": ["started_at", "ended_at"],
    "meetings.Attendance": ["requested_at", "leave_decided_at", "signed_in_at"],
    "meetings.Minutes": ["written_at", "issued_at", "handed_over_at"],
}

# Journal actions that carry the moment the service was told.
TOLD = ("supervision.", "rectification.", "duty.", "clocks.", "evidence.", "notify.", "portal.",
        "documents.document.", "plans.", "meetings.")


def future_rows(now) -> dict:
    """{"app.Model.field": how many rows} of moments that lie after `now`."""
    out = {}
    for label, fields in HAPPENED.items():
        model = apps.get_model(label)
        for name in fields:
            n = model.objects.filter(**{f"{name}__gt": now}).count()
            if n:
                out[f"{label}.{name}"] = n
    return out


def assert_story_in_the_past(now):
    """No step of the demo lies after `now`; every event was recorded at or
    after the moment it tells; the business events tell one."""
    assert future_rows(now) == {}
    assert not Event.objects.filter(occurred_at__gt=F("recorded_at")).exists()
    untold = Event.objects.filter(occurred_at=None).values_list("action", flat=True)
    assert not [a for a in untold if a.startswith(TOLD)]

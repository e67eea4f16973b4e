"""/api/portal/…: the 12345 hotline's work orders come in here (PUB-2), and
tickets and satisfaction rates go out, through the same services and
visibility rules as the pages."""

import datetime as dt

from ninja import Router, Schema

from duban.api.supervision import ERRORS, Ref, guarded
from duban.org.visibility import get_visible_or_404
from duban.portal import queries, services
from duban.portal.models import Ticket

router = Router(tags=["投诉和12345工单"])


class HotlineTicketIn(Schema):
    hotline_number: str = ""
    received_at: dt.datetime | None = None
    title: str = ""
    content: str = ""
    name: str = ""
    phone: str = ""
    id_number: str = ""
    place: str = ""
    kind: str = ""
    is_enterprise: bool = False
    company: str = ""
    subject_unit: str = ""


class HotlineImportIn(Schema):
    tickets: list[HotlineTicketIn]


class PortalTicketOut(Schema):
    id: int
    number: str
    hotline_number: str | None
    channel: str
    kind: str
    title: str
    received_at: dt.datetime
    state: str
    state_label: str
    handling_unit: Ref | None
    repeat_count: int
    closed_at: dt.datetime | None


class HotlineImportOut(Schema):
    created: list[PortalTicketOut]
    skipped: list[str]


class UnitSatisfactionOut(Schema):
    unit: str
    unit_id: int
    total: int
    satisfied: int
    bad: int
    bad_done: int
    rate: str


def _ticket(t) -> dict:
    return {"id": t.pk, "number": t.number, "hotline_number": t.hotline_number, "channel": t.channel,
            "kind": t.kind, "title": t.title, "received_at": t.received_at, "state": t.state,
            "state_label": t.get_state_display(), "repeat_count": t.repeat_count, "closed_at": t.closed_at,
            "handling_unit": {"id": t.handling_unit_id, "name": t.handling_unit.name} if t.handling_unit_id else None}


@router.post("/tickets/import", response={200: HotlineImportOut, **ERRORS}, summary="导入12345工单")
@guarded
def import_tickets(request, payload: HotlineImportIn):
    """12345 work orders, all or nothing: every item is checked first and an
    error names the item (“第2条：…”); a ticket number imported before is
    reported in `skipped`, not imported twice. The supervision office only."""
    rows = [(f"第{i}条", item.dict()) for i, item in enumerate(payload.tickets, 1)]
    result = services.import_hotline(request.user, rows)
    return {"created": [_ticket(t) for t in result.created], "skipped": result.skipped}


@router.get("/tickets/{ticket_id}", response={200: PortalTicketOut, **ERRORS}, summary="投诉或工单")
def ticket(request, ticket_id: int):
    """One ticket the caller may see (no contact data)."""
    return _ticket(get_visible_or_404(Ticket.objects.select_related("handling_unit"), request.user, pk=ticket_id))


@router.get("/satisfaction", response=list[UnitSatisfactionOut], summary="各单位满意度")
def satisfaction(request):
    """Satisfaction per unit (EVAL-5): ratings counted, satisfied (非常满意、
    满意、基本满意), 差评 and how many are handled; excluded 差评 do not count."""
    return [{k: r[k] for k in ("unit", "unit_id", "total", "satisfied", "bad", "bad_done", "rate")}
            for r in queries.satisfaction_by_unit()]


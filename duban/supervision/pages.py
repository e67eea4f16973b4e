"""View-level helpers for the supervision pages: choices for the forms
(units, people, leaders, rules), the lists' configuration, the timeline's
wording and the light counts. Reads only; every write goes through
duban.supervision.services."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.utils import timezone

from duban.clocks.models import ClockState
from duban.core.choices import leader_choices, people_choices, person_label, unit_choices, unit_label  # noqa: F401
from duban.org.models import Role
from duban.org.services import has_role, principals_of
from duban.org.visibility import scope_for

from . import queries, services
from .models import ReportCycle, SourceKind, Urgency
from .transitions import State

User = get_user_model()

PAGE_SIZE = 20

# A matter's light (its current clock's): stopped only when it was cancelled.
LIGHT_LABELS = {"red": "红灯", "yellow": "黄灯", "green": "绿灯", "done": "已完成", "stopped": "已撤销"}
CLOCK_KINDS = {"ack": "签收", "completion": "办结", "report": "定期报告"}


# --- the lists -----------------------------------------------------------------------

@dataclass(frozen=True)
class ListKind:
    key: str  # "unit" | "office" | "leader"
    title: str
    page_key: str  # for saved views
    url_name: str
    export_url_name: str
    sheet: str  # the ledger's sheet and file name


LISTS = {
    "unit": ListKind("unit", "我的待办", "supervision.unit", "supervision:worklist", "supervision:export_unit",
                     "本单位待办台账"),
    "office": ListKind("office", "督办总表", "supervision.office", "supervision:office",
                       "supervision:export_office", "督办事项台账"),
    "leader": ListKind("leader", "我批示的事项", "supervision.leader", "supervision:leader",
                       "supervision:export_leader", "领导批示事项台账"),
}


def principal_for(user, filters):
    """The away A whose worklist B asked for (`?for=A's id`, ORG-4), None
    without the parameter; PermissionDenied when `user` does not stand in
    for that person now."""
    wanted = str((filters or {}).get("for") or "")
    if not wanted:
        return None
    for principal in principals_of(user):
        if str(principal.pk) == wanted:
            return principal
    raise PermissionDenied("您现在不是该同志的B角，或其已结束外出")


def worklist_for(kind, user, filters):
    """The backend's list of `kind` (a Worklist). PermissionDenied for the
    office list when the user has no jurisdiction. With `for`, the unit list
    of the away A whom `user` stands in for."""
    if kind == "unit":
        return queries.unit_worklist(principal_for(user, filters) or user, filters)
    if kind == "office":
        return queries.supervision_list(user, filters)
    return queries.leader_list(user, filters)


def is_leader(user) -> bool:
    return has_role(user, Role.LEADER)


def has_jurisdiction(user) -> bool:
    return bool(scope_for(user).jurisdictions)


def tabs_for(user) -> list:
    """The list tabs this user has: [(ListKind, url)]."""
    out = [LISTS["unit"]]
    if has_jurisdiction(user):
        out.append(LISTS["office"])
    if is_leader(user):
        out.append(LISTS["leader"])
    return out


FILTER_KEYS = ("q", "source", "unit", "state", "light", "leader", "urgency", "date_from", "date_to", "due_from",
               "due_to", "top_only")


def filter_values(get) -> dict:
    return {k: get.get(k, "") for k in FILTER_KEYS}


def query_without_page(get) -> str:
    query = get.copy()
    for key in ("page", "export"):
        query.pop(key, None)
    return query.urlencode()


class CountedPaginator(Paginator):
    """A paginator that takes the list's size from the counts already made
    (Worklist.rows_count) instead of a second COUNT over the list."""

    def __init__(self, object_list, per_page, count, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.__dict__["count"] = count


def light_counts(wl) -> list:
    """[(light, label, n)] in the order red, yellow, green, done, stopped."""
    counts = wl.counts
    return [(k, label, counts.get(k, 0)) for k, label in LIGHT_LABELS.items()]


# --- choices -------------------------------------------------------------------------

def filter_choices():
    return {
        "sources": SourceKind.choices,
        "states": State.choices,
        "urgencies": Urgency.choices,
        "lights": list(LIGHT_LABELS.items()),
        "cycles": ReportCycle.choices,
    }


# --- the matter page -------------------------------------------------------------------

EVENT_LABELS = {
    "supervision.matter.create": "创建事项",
    "supervision.matter.update": "修改草稿",
    "supervision.matter.assign": "交办",
    "supervision.matter.acknowledge": "签收",
    "supervision.matter.start": "开始办理",
    "supervision.matter.request_completion": "申请办结",
    "supervision.matter.complete": "审核办结",
    "supervision.matter.return": "退回重办",
    "supervision.matter.archive": "归档",
    "supervision.matter.suspend": "暂停",
    "supervision.matter.resume": "恢复",
    "supervision.matter.cancel": "撤销",
    "supervision.matter.split": "分解子任务",
    "supervision.report.submit": "报送反馈",
    "supervision.report.accept": "认可反馈",
    "supervision.report.return": "退回反馈",
    "supervision.extension.request": "申请延期",
    "supervision.extension.approve": "批准延期",
    "supervision.extension.reject": "不予延期",
    "supervision.urge.create": "催办",
    "supervision.urge.auto": "系统自动催办",
    "supervision.urge.number": "生成催办单",
    "clocks.start": "开始计时",
    "clocks.meet": "计时完成",
    "clocks.pause": "计时暂停",
    "clocks.resume": "计时恢复",
    "clocks.deadline": "调整期限",
    "clocks.recompute": "重算期限",
    "clocks.warning": "临期预警",
    "clocks.breach": "超期",
    "evidence.store": "上传佐证材料",
}

_DETAIL_KEYS = ("reason", "comment", "note", "number")


def timeline_rows(matter) -> list:
    """The matter's journal as rows for the page: when, who, what, details."""
    rows = []
    for e in queries.matter_timeline(matter):
        label = EVENT_LABELS.get(e.action, e.action)
        after = e.after if isinstance(e.after, dict) else {}
        details = []
        if e.object_type == "supervision.matter" and e.object_id != str(matter.pk):
            details.append(f"子任务：{e.object_repr}")
        elif e.object_type == "clocks.clock":
            details.append(e.object_repr)
        for key in _DETAIL_KEYS:
            value = after.get(key)
            if value:
                details.append(str(value))
        if e.action == "supervision.report.submit" and after.get("progress") is not None:
            details.append(f"进度 {after['progress']}%")
        files = after.get("files")
        if isinstance(files, list) and files:
            details.append("附件：" + "、".join(str(f.get("name", "")) for f in files if isinstance(f, dict)))
        rows.append({"at": e.at, "actor": e.actor_name or "系统", "label": label, "details": "；".join(details),
                     "seq": e.seq})
    return rows


def flatten_tree(node, level=0):
    """The sub-task tree (queries.subtree) as rows with their depth, below the
    matter itself."""
    out = []
    for child in node["children"]:
        out.append({"matter": child["matter"], "level": level})
        out.extend(flatten_tree(child, level + 1))
    return out


def clock_rows(matter, now=None):
    now = now or timezone.now()
    return [{"clock": c, "light": c.light, "state_label": ClockState(c.state).label, "label": clock_label(c),
             "provisional_note": c.provisional_note}
            for c in queries.matter_clocks(matter, now)]


def clock_note(clock) -> str:
    """The provisional note of a clock (TL-1: “（暂定：待国务院公布2027年
    节假日安排后自动校正）”), or "" for none or a clock counted on official
    years only."""
    return clock.provisional_note if clock is not None else ""


def deadline_note(matter) -> str:
    """The provisional note of the matter's deadline (its completion clock),
    or "": what the page, the 通知单, the 催办单 and the 台账 print beside it."""
    return clock_note(matter.completion_clock) if matter.completion_clock_id else ""


def clock_label(clock) -> str:
    """A clock's name without the matter's number and title, which its
    label repeats for messages: “签收”, “定期报告（12月1日前）”."""
    text = clock.label or ""
    if "”" in text:
        text = text.rsplit("”", 1)[-1]
    return text or CLOCK_KINDS.get(clock.kind, clock.kind)


PARTICULAR_FIELDS = ("meeting_name", "meeting_date", "minutes_number", "instructing_leader", "instruction_date",
                     "instruction_text", "document_number", "ticket_number", "finding")


def particulars(matter) -> list:
    """[(label, value)] of the source's particulars that are filled in,
    labelled as for that source (批示领导, 交办领导, 上级文件文号…)."""
    out = []
    for name in PARTICULAR_FIELDS:
        value = getattr(matter, name)
        if not value:
            continue
        if hasattr(value, "get_full_name"):
            value = value.get_full_name() or value.get_username()
        elif hasattr(value, "year") and hasattr(value, "month"):
            value = f"{value.year}年{value.month}月{value.day}日"
        out.append((services.label(name, matter.source_kind), value))
    return out


def matter_light(matter):
    """The light of a matter fetched by queries.get_matter (annotated), or
    None for a draft."""
    return getattr(matter, "light", None) if matter.current_clock_id else None


def may_urge(user, matter) -> bool:
    return services.may(user, matter, "urge")


def light_counts_empty() -> list:
    return [(k, label, 0) for k, label in LIGHT_LABELS.items()]



def progress_class(value) -> str:
    value = max(0, min(100, int(value or 0)))
    return f"p{round(value / 10) * 10}"


def decorate(rows):
    """What the list rows show beyond the model: the light's and the next
    clock's wording, the 暂定 note of that clock (from the columns
    queries.PAGE_FIELDS reads) and the progress bar's class. No queries
    (but the calendar's own version check, every few seconds)."""
    for m in rows:
        m.light_label = LIGHT_LABELS.get(getattr(m, "light", ""), "") if m.current_clock_id else ""
        m.due_kind = CLOCK_KINDS.get(m.current_clock.kind, "") if m.current_clock_id else ""
        m.provisional_note = clock_note(m.current_clock) if m.current_clock_id else ""
        m.pclass = progress_class(m.progress)
    return rows


def query_without(get, *keys) -> str:
    query = get.copy()
    for key in ("page", "export", *keys):
        query.pop(key, None)
    return query.urlencode()

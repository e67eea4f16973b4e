"""The closed loop of a supervised matter (SUP-3) as one table.

    draft → assigned → acknowledged → in_progress → completion_requested
          → completed → archived
    completion_requested → (return, 退回重办) → in_progress
    assigned … completion_requested → suspended → (resume) → the prior state
    draft … suspended → cancelled

`TRANSITIONS` maps every action to the states it may start from and the
state it leads to (`None`: the state is unchanged, e.g. a progress report in
progress or an urge; `PRIOR`: back to the state before the suspension). No
request can skip a step or go back: an action not allowed from the current
state raises a ValidationError naming both (see `check`). Who may act is
checked by the service functions (duban.supervision.services).
"""

from django.core.exceptions import ValidationError
from django.db import models


class State(models.TextChoices):
    DRAFT = "draft", "草稿"
    ASSIGNED = "assigned", "已交办"
    ACKNOWLEDGED = "acknowledged", "已签收"
    IN_PROGRESS = "in_progress", "办理中"
    COMPLETION_REQUESTED = "completion_requested", "办结待审"
    COMPLETED = "completed", "已办结"
    ARCHIVED = "archived", "已归档"
    SUSPENDED = "suspended", "已暂停"
    CANCELLED = "cancelled", "已撤销"


class Action(models.TextChoices):
    UPDATE = "update", "修改草稿"
    ASSIGN = "assign", "交办"
    ACKNOWLEDGE = "acknowledge", "签收"
    START = "start", "开始办理"
    REPORT = "report", "报送进展"
    REQUEST_COMPLETION = "request_completion", "申请办结"
    COMPLETE = "complete", "审核办结"
    RETURN = "return", "退回重办"
    ARCHIVE = "archive", "归档"
    SUSPEND = "suspend", "暂停"
    RESUME = "resume", "恢复"
    CANCEL = "cancel", "撤销"
    SPLIT = "split", "分解子任务"
    REQUEST_EXTENSION = "request_extension", "申请延期"
    DECIDE_EXTENSION = "decide_extension", "审批延期"
    URGE = "urge", "催办"
    REVIEW_REPORT = "review_report", "审阅反馈"
    ADJUST_DEADLINE = "adjust_deadline", "调整期限"


PRIOR = "prior"  # resume: back to the state the matter was suspended from

S = State
_WORKING = frozenset({S.ASSIGNED, S.ACKNOWLEDGED, S.IN_PROGRESS})
_UNDER_WAY = frozenset({S.ASSIGNED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.COMPLETION_REQUESTED})

# action: (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset, str | None]] = {
    Action.UPDATE: (frozenset({S.DRAFT}), None),
    Action.ASSIGN: (frozenset({S.DRAFT}), S.ASSIGNED),
    Action.ACKNOWLEDGE: (frozenset({S.ASSIGNED}), S.ACKNOWLEDGED),
    Action.START: (frozenset({S.ACKNOWLEDGED}), S.IN_PROGRESS),
    # The first progress report starts the work.
    Action.REPORT: (frozenset({S.ACKNOWLEDGED, S.IN_PROGRESS}), S.IN_PROGRESS),
    Action.REQUEST_COMPLETION: (frozenset({S.IN_PROGRESS}), S.COMPLETION_REQUESTED),
    Action.COMPLETE: (frozenset({S.COMPLETION_REQUESTED}), S.COMPLETED),
    Action.RETURN: (frozenset({S.COMPLETION_REQUESTED}), S.IN_PROGRESS),
    Action.ARCHIVE: (frozenset({S.COMPLETED}), S.ARCHIVED),
    Action.SUSPEND: (_UNDER_WAY, S.SUSPENDED),
    Action.RESUME: (frozenset({S.SUSPENDED}), PRIOR),
    Action.CANCEL: (_UNDER_WAY | {S.DRAFT, S.SUSPENDED}, S.CANCELLED),
    # A lead unit splits its part once it has signed for it.
    Action.SPLIT: (frozenset({S.ACKNOWLEDGED, S.IN_PROGRESS}), None),
    Action.REQUEST_EXTENSION: (_WORKING, None),
    # A request made while the matter was under way may be decided while
    # it is suspended.
    Action.DECIDE_EXTENSION: (_WORKING | {S.SUSPENDED}, None),
    Action.URGE: (_WORKING, None),
    Action.REVIEW_REPORT: (frozenset({S.IN_PROGRESS, S.COMPLETION_REQUESTED}), None),
    # The office sets the deadline itself (a matter the duty office relayed
    # at night, a deadline the office has to correct).
    Action.ADJUST_DEADLINE: (_WORKING, None),
}

# Open: the matter is somebody's work (worklists, lights, urges).
OPEN_STATES = frozenset({S.ASSIGNED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.COMPLETION_REQUESTED, S.SUSPENDED})
# Done with: nothing more happens to it but archiving.
CLOSED_STATES = frozenset({S.COMPLETED, S.ARCHIVED, S.CANCELLED})


def allowed(state, action) -> bool:
    froms, _ = TRANSITIONS[action]
    return state in froms


def allowed_actions(state) -> list:
    """The actions the table allows from `state`, in table order (who may
    take them is a separate question: services.available_actions)."""
    return [Action(a) for a, (froms, _) in TRANSITIONS.items() if state in froms]


def check(state, action, prior=None) -> str | None:
    """The state `action` leads to from `state` (unchanged: `state`), or a
    ValidationError naming the current state and the attempted action."""
    if action not in TRANSITIONS:
        raise ValidationError(f"未知操作“{action}”", code="unknown_action")
    froms, to = TRANSITIONS[action]
    if state not in froms:
        raise ValidationError(
            f"事项当前状态为“{State(state).label}”，不能{Action(action).label}",
            code="illegal_transition",
            params={"state": state, "action": action},
        )
    if to is None:
        return state
    if to == PRIOR:
        if not prior or prior == State.SUSPENDED:
            raise ValidationError("无法确定暂停前的状态，不能恢复", code="illegal_transition")
        return prior
    return to

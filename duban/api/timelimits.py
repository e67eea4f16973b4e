"""GET /api/deadline: the deadline calculator for other systems (TL-2)."""

from django.core.exceptions import ValidationError
from ninja import Router, Schema
from ninja.responses import Status

from duban.timelimits.calendar import CalendarMissing
from duban.timelimits.limits import compute_due, parse_limit, parse_start

from .errors import ErrorOut

router = Router(tags=["时限"])


class DeadlineOut(Schema):
    due: str
    explanation: str
    limit: str
    start: str
    roll_forward: bool
    provisional: bool
    provisional_years: list[int]


class DeadlineErrorOut(ErrorOut):
    code: str = ""  # the calculator's own refusals name one; a malformed query's 422 has none


@router.get(
    "/deadline",
    response={200: DeadlineOut, 401: DeadlineErrorOut, 422: DeadlineErrorOut},
    summary="计算时限截止时刻",
    description="按官方工作日历计算：start 为起算时间（如 2026-09-30T15:00:00+08:00，不带时区按北京时间），"
    "limit 为时限（15min、1h、7wd、3d、2mo），roll_forward=false 时自然日、月时限期满日遇节假日不顺延。"
    "国务院尚未公布（或尚未录入）节假日安排的年份按《全国年节及纪念日放假办法》（2024年修订）的法定节假日"
    "及补假暂定计算：provisional 为 true，provisional_years 列出这些年份，录入正式安排后结果可能变化。"
    "超出计算范围（2004年至2099年）时返回 422。",
)
def deadline(request, start: str, limit: str, roll_forward: bool = True):
    if not request.user.is_authenticated:
        return Status(401, {"detail": "请先登录", "errors": {}, "code": "not_authenticated"})
    try:
        start_at = parse_start(start)
        lim = parse_limit(limit)
        due = compute_due(start_at, lim, roll_forward=roll_forward)
        explanation = due.explanation
    except CalendarMissing as e:
        return Status(422, {"detail": e.message, "errors": {}, "code": "calendar_missing"})
    except ValidationError as e:
        return Status(422, {"detail": "；".join(e.messages), "errors": {}, "code": "invalid"})
    return Status(200, {
        "due": due.at.isoformat(),
        "explanation": explanation,
        "limit": str(lim),
        "start": due.start.isoformat(),
        "roll_forward": roll_forward,
        "provisional": due.provisional,
        "provisional_years": list(due.provisional_years),
    })


timelimits_router = router

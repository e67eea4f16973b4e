"""台账 (OUT-2): the ledger of any filtered list of matters as an Excel file,
and a batch of matters imported from an Excel template.

The import reads every row first, resolves units and people by name,
validates each row with the services' own checks (clean_matter_data, and
DOC-2 when the rows are to be assigned at once) and reports every problem
naming the row and the column; only when all rows are clean does it create
them, in one transaction: all or nothing.

An old ledger imports with its past (services.import_matter): a 办结期限
already passed is no error when the rows are assigned at once (the matter
is overdue at once); 交办日期 dates the assignment (without it, the
import); 状态 may say 办理中 (the lead unit signs for the matter in the
system). A 已办结 row is refused: a completion is requested by the lead
unit and accepted by the supervision office, which an import cannot
stand in for."""

import io
import re
from dataclasses import dataclass, field
from urllib.parse import quote

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from duban.core import xlsx_import as xi
from duban.core.batch import ItemFailed
from duban.core.exports import XLSX, defuse_workbook, xlsx_response
from duban.journal import chain
from duban.org.models import Person, Role, RoleAssignment, Unit
from duban.timelimits.models import TimeLimitRule

from . import services
from .models import MEETING_KINDS, Report, ReportCycle, SourceKind, Urgency
from .pages import LIGHT_LABELS, deadline_note, unit_label

User = get_user_model()

# --- export ---------------------------------------------------------------------------------

LEDGER_COLUMNS = ["序号", "编号", "事项名称", "来源", "批示领导/会议", "牵头单位", "责任人", "配合单位", "工作标准",
                  "办理时限", "状态", "红黄绿灯", "最近反馈", "办结时间"]
LEDGER_WIDTHS = [6, 22, 36, 12, 30, 18, 12, 30, 40, 22, 10, 8, 50, 18]


def _local(moment, fmt="%Y-%m-%d %H:%M"):
    return timezone.localtime(moment).strftime(fmt) if moment else ""


def _user_name(user):
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def origin_text(m) -> str:
    """批示领导/会议: who or what the matter came from."""
    if m.source_kind in MEETING_KINDS:
        bits = [m.meeting_name]
        if m.meeting_date:
            bits.append(m.meeting_date.isoformat())
        if m.minutes_number:
            bits.append(m.minutes_number)
        return " ".join(b for b in bits if b)
    bits = []
    if m.instructing_leader_id:
        bits.append(_user_name(m.instructing_leader))
    if m.instruction_date:
        bits.append(m.instruction_date.isoformat())
    if m.document_number:
        bits.append(m.document_number)
    if m.ticket_number:
        bits.append(f"工单 {m.ticket_number}")
    if not bits and m.finding:
        bits.append(m.finding[:60])
    return " ".join(bits)


def deadline_cell(m) -> str:
    """办理时限: the deadline, followed by its provisional note (TL-1) when it
    was counted on a year whose holiday notice is not entered yet."""
    if m.deadline:
        return _local(m.deadline) + deadline_note(m)
    if m.is_long_term:
        return f"长期（{m.get_report_cycle_display()}报送）" if m.report_cycle else "长期"
    return "按时限规则" if m.deadline_rule else ""


# The relations a row reads (the list's others, such as the supervising
# unit and the parent, are not joined: a matter and its relations are a
# dozen model instances), and how many matters are read at a time: the
# export holds about two such chunks at once, however long the ledger.
LEDGER_RELATED = ("lead_unit", "lead_person", "current_clock", "completion_clock", "instructing_leader")
LEDGER_CHUNK = 200


def ledger_rows(qs):
    """The ledger's rows of a lit queryset from duban.supervision.queries,
    with each matter's latest report in the same query; the matters are
    streamed in chunks (memory stays flat however long the ledger)."""
    latest = Report.objects.filter(matter=OuterRef("pk")).order_by("-submitted_at", "-id")
    qs = qs.select_related(None).select_related(*LEDGER_RELATED).annotate(
        last_report_text=Subquery(latest.values("text")[:1]), last_report_at=Subquery(latest.values("submitted_at")[:1]))
    for i, m in enumerate(qs.iterator(chunk_size=LEDGER_CHUNK), start=1):
        coops = "、".join(c.unit.name + (f"（{_user_name(c.person)}）" if c.person_id else "")
                         for c in m.cooperations.all())
        light = LIGHT_LABELS.get(m.light, "") if m.current_clock_id else ""
        last = ""
        if m.last_report_text:
            last = f"{_local(m.last_report_at, '%Y-%m-%d')} {m.last_report_text}"
        yield [
            i, m.number or "（草稿）", m.title, m.get_source_kind_display(), origin_text(m),
            m.lead_unit.name if m.lead_unit_id else "", _user_name(m.lead_person), coops, m.standard,
            deadline_cell(m), m.get_state_display(), light, last, _local(m.completed_at),
        ]


def export_response(request, qs, sheet, filters=None):
    """The ledger of `qs` as an .xlsx download; the export is journaled
    with its filters and its size."""
    counted = {"n": 0}

    def rows():
        for row in ledger_rows(qs):
            counted["n"] += 1
            yield row

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = xlsx_response(f"{sheet}-{stamp}.xlsx", sheet, LEDGER_COLUMNS, rows(), widths=LEDGER_WIDTHS)
    with transaction.atomic():
        chain.record("supervision.ledger.export", object_type="supervision.matter", after={
            "sheet": sheet, "rows": counted["n"], "filters": {k: v for k, v in (filters or {}).items() if v},
        })
    return response


# --- import -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    header: str
    field: str | None
    required: bool = False
    note: str = ""


IMPORT_COLUMNS = [
    Column("序号", None, note="可留空；填“示例”的行不导入"),
    Column("来源", "source_kind", True, "、".join(SourceKind.labels)),
    Column("事项名称", "title", True, "不超过200字"),
    Column("事项内容", "content", True),
    Column("工作标准", "standard", False, "办结的标准，如“排查全覆盖，整改率100%”"),
    Column("紧急程度", "urgency", False, "、".join(Urgency.labels) + "；留空为一般"),
    Column("牵头单位", "lead_unit", True, "单位全称；科室写作“县教育局·办公室”（见“单位及人员”表）"),
    Column("责任人", "lead_person", True, "牵头单位人员的姓名或账号"),
    Column("配合单位", "cooperating_units", False, "多个单位用“、”分隔"),
    Column("配合单位责任人", "cooperating_persons", False, "与配合单位一一对应，用“、”分隔"),
    Column("责任领导", "responsible_leader", False, "县领导的姓名或账号"),
    Column("办结期限", "due_at", False, "日期，如 2026-12-31、2026年12月31日前；写“长期”为长期事项；留空则按时限规则"),
    Column("时限规则", "deadline_rule", False, "规则代码（见下表）；期限和规则都留空时按7个工作日报告落实情况"),
    Column("会议名称", "meeting_name", False, "来源为常务会议、专题会议时必填"),
    Column("会议日期", "meeting_date", False, "来源为常务会议、专题会议时必填"),
    Column("纪要编号", "minutes_number"),
    Column("批示领导", "instructing_leader", False, "来源为领导批示时必填（姓名或账号）"),
    Column("批示日期", "instruction_date", False, "来源为领导批示、交办时必填"),
    Column("批示内容", "instruction_text", False, "来源为领导批示时必填"),
    Column("文号", "document_number", False, "来源为上级部署时必填"),
    Column("12345工单编号", "ticket_number", False, "来源为12345热线时必填"),
    Column("督查发现的问题", "finding", False, "来源为督查发现时必填"),
    Column("长期事项", "is_long_term", False, "是、否；留空为否"),
    Column("报送周期", "report_cycle", False, "长期事项必填：" + "、".join(ReportCycle.labels)),
    Column("报送日", "report_day", False, "长期事项必填：每周填1—7（周一至周日），每月、每季度填1—31"),
    Column("交办日期", "assigned_on", False,
           "往期台账填原交办日期，留空为导入时间；立即交办时办结期限已过的照常导入，导入即为逾期"),
    Column("状态", "status", False, "留空或填“办理中”；已办结的事项不导入"),
]
# Header names as written in the template, and the other names clerks
# give the same columns in their own ledgers.
ALIASES = {xi.header_key(c.header): c.field or "_seq" for c in IMPORT_COLUMNS}
for _field, _names in {
    "source_kind": ["事项来源", "来源类别", "交办来源"],
    "title": ["事项", "督办事项", "督办事项名称", "事项标题", "任务名称"],
    "content": ["具体内容", "督办内容", "任务内容", "主要内容", "内容"],
    "standard": ["工作要求", "完成标准", "办结标准", "目标要求"],
    "urgency": ["紧急程度（特急/加急/一般）", "缓急"],
    "lead_unit": ["牵头单位（部门）", "责任单位", "主办单位", "承办单位"],
    "lead_person": ["具体责任人", "牵头单位责任人", "经办人"],
    "responsible_leader": ["分管领导", "牵头领导", "包保领导"],
    "due_at": ["办理时限", "完成时限", "办结时限", "完成时间", "时限", "期限"],
    "document_number": ["文件文号", "发文字号"],
    "ticket_number": ["工单编号", "工单号"],
    "is_long_term": ["是否长期", "是否长期事项"],
    "assigned_on": ["交办时间", "下达日期", "下达时间", "登记日期", "立项日期"],
    "status": ["办理状态", "办结情况", "是否办结"],
}.items():
    for _name in _names:
        ALIASES.setdefault(xi.header_key(_name), _field)
REQUIRED = [c.field for c in IMPORT_COLUMNS if c.required]
FIELD_COLUMN = {c.field: c.header for c in IMPORT_COLUMNS if c.field}
FIELD_COLUMN["cooperating"] = "配合单位"
SHEET = "督办事项"
EXAMPLE_MARK = "示例"
OPEN, DONE = "open", "done"
STATUS_WORDS = {
    **dict.fromkeys(["办理中", "正在办理", "未办结", "推进中", "未完成", "已签收", "待签收", "已交办", "否"], OPEN),
    **dict.fromkeys(["已办结", "办结", "已完成", "完成", "已销号", "是"], DONE),
}


@dataclass
class ImportResult:
    errors: list = field(default_factory=list)
    matters: list = field(default_factory=list)
    rows: int = 0

    @property
    def ok(self):
        return not self.errors and bool(self.matters)


def template_workbook() -> Workbook:
    """The import template: the header row, an example row, drop-down lists
    where the values are fixed, a 说明 sheet and the units and people."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    head_font, head_fill = Font(bold=True), PatternFill("solid", fgColor="EEF1F5")
    ws.append([c.header + ("*" if c.required else "") for c in IMPORT_COLUMNS])
    for cell in ws[1]:
        cell.font, cell.fill = head_font, head_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    example = {
        "序号": EXAMPLE_MARK, "来源": "领导批示", "事项名称": "校园安全隐患排查整治",
        "事项内容": "对全县中小学校舍、消防、食堂开展隐患排查，建立台账，限期整改。",
        "工作标准": "排查全覆盖，隐患整改率100%，形成整改台账。", "紧急程度": "加急", "牵头单位": "县教育局",
        "责任人": "张三", "配合单位": "县财政局", "配合单位责任人": "李四", "责任领导": "王五",
        "办结期限": "2026-12-31", "批示领导": "王五", "批示日期": "2026-12-01",
        "批示内容": "请教育局牵头抓好校园安全隐患排查整治，限期报结果。", "长期事项": "否",
    }
    ws.append([example.get(c.header, "") for c in IMPORT_COLUMNS])
    for i, c in enumerate(IMPORT_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = 30 if c.field in ("content", "standard") else 16
    ws.freeze_panes = "A2"
    lists = {
        "source_kind": SourceKind.labels, "urgency": Urgency.labels, "is_long_term": ["是", "否"],
        "report_cycle": ReportCycle.labels,
    }
    for i, c in enumerate(IMPORT_COLUMNS, start=1):
        if c.field in lists:
            dv = DataValidation(type="list", formula1='"' + ",".join(lists[c.field]) + '"', allow_blank=True,
                                showErrorMessage=True, errorTitle="取值无效",
                                error="请从下拉列表中选择：" + "、".join(lists[c.field]))
            letter = get_column_letter(i)
            dv.add(f"{letter}2:{letter}{xi.max_rows() + 1}")
            ws.add_data_validation(dv)

    notes = wb.create_sheet("说明")
    notes.append(["督办事项批量导入说明"])
    notes["A1"].font = Font(bold=True, size=14)
    notes.append(["1. 在“督办事项”表中每行填写一项督办事项，标“*”的列必填；第2行“示例”仅作参考，导入时跳过。"])
    notes.append(["2. 系统先校验全部行，有任何一行出错则全部不导入，并列出出错的行和列；改正后重新上传。"])
    notes.append(["3. 日期写作 2026-12-31、2026/12/31 或 2026年12月31日（可带“前”），只写月日时为今年；"
                  "单位、人员须与“单位及人员”表一致。"])
    notes.append(["4. 可在表头上方加标题行；表头可用常见的其他写法（如“责任单位”“完成时限”）。"])
    notes.append([])
    notes.append(["列名", "是否必填", "填写说明及可选值"])
    for cell in notes[notes.max_row]:
        cell.font, cell.fill = head_font, head_fill
    for c in IMPORT_COLUMNS:
        notes.append([c.header, "必填" if c.required else "选填", c.note])
    notes.append([])
    notes.append(["时限规则代码", "名称", "时限"])
    for cell in notes[notes.max_row]:
        cell.font, cell.fill = head_font, head_fill
    for r in TimeLimitRule.objects.filter(is_active=True).order_by("code"):
        notes.append([r.code, r.name, r.limit])
    notes.column_dimensions["A"].width = 28
    notes.column_dimensions["B"].width = 36
    notes.column_dimensions["C"].width = 80

    people = wb.create_sheet("单位及人员")
    people.append(["单位（填写时的写法）", "姓名", "账号", "职务"])
    for cell in people[1]:
        cell.font, cell.fill = head_font, head_fill
    for p in (Person.objects.filter(user__is_active=True).select_related("user", "unit", "unit__parent")
              .order_by("unit__path", "sort_order", "id")):
        people.append([unit_label(p.unit), p.user.get_full_name(), p.user.get_username(), p.position])
    for letter, width in zip("ABCD", (30, 12, 18, 30), strict=True):
        people.column_dimensions[letter].width = width
    return defuse_workbook(wb)


def template_response() -> HttpResponse:
    out = io.BytesIO()
    template_workbook().save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote('督办事项导入模板.xlsx')}"
    return response


class _Resolver:
    """Units and people by the names a clerk writes, loaded once; names
    are compared without spaces and with full-width letters and digits
    folded (duban.core.xlsx_import.name_key)."""

    def __init__(self):
        self.units_by_label, self.units_by_name = {}, {}
        for u in Unit.objects.filter(is_active=True).select_related("parent"):
            self.units_by_label[xi.name_key(unit_label(u))] = u
            if u.parent is not None:
                self.units_by_label[xi.name_key(f"{u.parent.name}/{u.name}")] = u
                self.units_by_label[xi.name_key(f"{u.parent.name}·{u.name}")] = u
            self.units_by_name.setdefault(xi.name_key(u.name), []).append(u)
        self.people = list(Person.objects.filter(user__is_active=True).select_related("user", "unit"))
        self.by_username = {p.user.get_username(): p for p in self.people}
        self.by_name = {}
        for p in self.people:
            self.by_name.setdefault(xi.name_key(p.user.get_full_name()), []).append(p)
        self.leader_ids = set(RoleAssignment.objects.filter(role=Role.LEADER).values_list("user_id", flat=True))

    def unit(self, value):
        text = _text(value)
        if not text:
            return None
        key = xi.name_key(text.replace("．", "·").replace("•", "·").replace("・", "·"))
        if key in self.units_by_label:
            return self.units_by_label[key]
        found = self.units_by_name.get(key, [])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            examples = "、".join(f"“{unit_label(u)}”" for u in found[:3])
            raise ValidationError(f"单位“{text}”不止一个，请写明上级单位，如{examples}")
        raise ValidationError(f"找不到单位“{text}”")

    def person(self, value, unit=None, leaders=False):
        text = _text(value)
        if not text:
            return None
        p = self.by_username.get(xi.halfwidth(text))
        if p is not None:
            return p.user
        found = self.by_name.get(xi.name_key(text), [])
        if unit is not None:
            inside = [p for p in found if p.unit.path.startswith(unit.path)]
            found = inside or found
        if leaders and len(found) > 1:
            found = [p for p in found if p.user_id in self.leader_ids] or found
        if len(found) == 1:
            return found[0].user
        if len(found) > 1:
            return_units = "、".join(unit_label(p.unit) for p in found[:3])
            raise ValidationError(f"有多人名为“{text}”（{return_units}），请改填账号")
        where = f"“{unit.name}”中" if unit is not None else ""
        raise ValidationError(f"找不到{where}名为“{text}”的人员")


_text = xi.cell_text


def _date(value, year=None):
    """A date as clerks write it (duban.core.xlsx_import.parse_date: 2026-12-31,
    2026/12/31, 2026年12月31日前, 12月31日 of `year`, by default this year's, a date cell)."""
    try:
        return xi.parse_date(value, default_year=year or timezone.localdate().year)
    except ValueError as e:
        raise ValidationError(str(e)) from None


def _choice(value, choices, what):
    text = xi.name_key(value)
    if not text:
        return ""
    for v, label in choices:
        if text in (v, label):
            return v
    raise ValidationError(f"{what}应为：" + "、".join(label for _, label in choices))


# The enums' choices, listed once (Django builds the list on every access).
SOURCE_CHOICES, URGENCY_CHOICES, CYCLE_CHOICES = SourceKind.choices, Urgency.choices, ReportCycle.choices


def _split_list(value) -> list:
    return [x.strip() for x in re.split(r"[、，,;；\n]", _text(value)) if x.strip()]


def _read_row(cells: dict, res: _Resolver):
    """The service's data for one row, and the problems met parsing it as
    {field: [message]}."""
    data, problems = {}, {}
    year = timezone.localdate().year

    def attempt(f, fn):
        try:
            data[f] = fn()
        except ValidationError as e:
            problems.setdefault(f, []).extend(e.messages)

    attempt("source_kind", lambda: _choice(cells.get("source_kind"), SOURCE_CHOICES, "来源"))
    for f in ("title", "content", "standard", "meeting_name", "minutes_number", "instruction_text",
              "document_number", "ticket_number", "finding", "deadline_rule"):
        data[f] = _text(cells.get(f))
    attempt("urgency", lambda: _choice(cells.get("urgency"), URGENCY_CHOICES, "紧急程度") or Urgency.NORMAL)
    attempt("lead_unit", lambda: res.unit(cells.get("lead_unit")))
    attempt("lead_person", lambda: res.person(cells.get("lead_person"), unit=data.get("lead_unit")))
    attempt("responsible_leader", lambda: res.person(cells.get("responsible_leader"), leaders=True))
    attempt("instructing_leader", lambda: res.person(cells.get("instructing_leader"), leaders=True))
    # 办结期限 may say 长期 (a long-term matter) instead of a date.
    due_long_term = xi.is_long_term(cells.get("due_at"))
    if due_long_term:
        cells = {**cells, "due_at": None}
    for f in ("meeting_date", "instruction_date", "due_at", "assigned_on"):
        attempt(f, lambda f=f: _date(cells.get(f), year))
    try:
        status, _ = xi.parse_status(cells.get("status"), STATUS_WORDS, default_year=year,
                                    hint="办理中（已办结的事项不导入）")
    except ValueError as e:
        problems.setdefault("status", []).append(str(e))
    else:
        if status == DONE:
            problems.setdefault("status", []).append(
                "已办结的事项不导入：办结须由牵头单位申请、督查室审核，系统不补记往期的办结；请删去此行")
    long_term = xi.name_key(cells.get("is_long_term"))
    if long_term not in ("", "是", "否", "Y", "N", "y", "n", "1", "0"):
        problems.setdefault("is_long_term", []).append("应填“是”或“否”")
    data["is_long_term"] = due_long_term or long_term in ("是", "Y", "y", "1")
    attempt("report_cycle", lambda: _choice(cells.get("report_cycle"), CYCLE_CHOICES, "报送周期"))
    day = xi.name_key(cells.get("report_day"))
    if day:
        try:
            data["report_day"] = int(day)
        except ValueError:
            problems.setdefault("report_day", []).append("应为整数")
    # Cooperating units with their people, in the same order.
    units, persons = _split_list(cells.get("cooperating_units")), _split_list(cells.get("cooperating_persons"))
    coops = []
    if len(persons) > len(units):
        problems.setdefault("cooperating_persons", []).append("配合单位责任人多于配合单位")
    for i, name in enumerate(units):
        try:
            unit = res.unit(name)
            person = res.person(persons[i], unit=unit) if i < len(persons) else None
        except ValidationError as e:
            problems.setdefault("cooperating_units", []).extend(e.messages)
            continue
        coops.append({"unit": unit, "person": person, "duty": ""})
    data["cooperating"] = coops
    if not data.get("deadline_rule"):
        data.pop("deadline_rule")
    return data, problems


def _messages(error: ValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return error.message_dict
    return {None: error.messages}


def _row_errors(row_no, problems: dict) -> list:
    out = []
    for f, messages in problems.items():
        out += [f"{xi.where(row_no, FIELD_COLUMN.get(f))}：{m}" for m in messages]
    return out


def open_rows(fileobj) -> xi.SheetReader:
    """The sheet's reader (duban.core.xlsx_import.SheetReader), or a
    ValidationError when the file or its header cannot be read.

    The sheet is read as clerks fill it in: the header row is found among
    the first rows (a title row above it is skipped), header names may hold
    spaces, line breaks or required marks, and the common other names of a
    column are accepted (ALIASES)."""
    try:
        return xi.SheetReader(fileobj, ALIASES, required=REQUIRED, sheet_name=SHEET)
    except xi.SheetError as e:
        raise ValidationError(f"{e}，请使用下载的导入模板") from None


def _data_rows(reader):
    """The filled rows but the template's example row (序号 示例)."""
    for row_no, cells in reader:
        if xi.halfwidth(xi.cell_text(cells.get("_seq"))) != EXAMPLE_MARK:
            yield row_no, cells


def read_rows(fileobj) -> list:
    """[(excel row number, {field: value})] of the filled rows, or a
    ValidationError when the file or its header cannot be read."""
    with open_rows(fileobj) as reader:
        try:
            return list(_data_rows(reader))
        except xi.SheetError as e:
            raise ValidationError(f"{e}，请使用下载的导入模板") from None


def import_matters(user, fileobj, *, assign=True, at=None, progress=None) -> ImportResult:
    """Validate every row, then create all the matters (and assign them) in
    one transaction, or none.

    One pass over the streamed sheet checks every row (units and people
    resolved once for the whole file); the rows are then written in bulk
    (services.import_matters). `progress(stage, done, total)` is told how far
    it got: stage "check" (rows checked; total the sheet's own row count, or
    None) and "write" (rows written)."""
    at = at or timezone.now()
    result = ImportResult()
    try:
        reader = open_rows(fileobj)
    except ValidationError as e:
        result.errors = e.messages
        return result
    res = _Resolver()
    parsed = []
    try:
        with reader:
            for row_no, cells in _data_rows(reader):
                result.rows += 1
                data, problems = _read_row(cells, res)
                assigned_on = data.pop("assigned_on", None)
                if assigned_on is not None and not assign:
                    problems.setdefault("assigned_on", []).append(
                        "交办日期用于导入往期已交办的事项，须勾选“导入后立即交办”")
                # The services' checks run even when a cell could not be read, so that
                # one upload reports every problem of the row; a cell already
                # reported is not reported twice. Assigned at once, the rows may be an
                # old ledger's (past deadlines, 交办日期).
                clean = None
                try:
                    clean = services.clean_matter_data(data, at=at, history=assign)
                    if assign:
                        doc2 = services.doc2_problems(**{k: clean[k] for k in (
                            "lead_unit", "lead_person", "due_at", "deadline_rule", "is_long_term", "report_cycle",
                            "report_day")}, cooperating=clean["cooperating"])
                        doc2.update(services.history_problems(clean, assigned_on=assigned_on, at=at))
                        if doc2:
                            raise ValidationError(doc2)
                except ValidationError as e:
                    for f, messages in _messages(e).items():
                        covered = f in problems or (f == "cooperating" and (
                            "cooperating_units" in problems or "cooperating_persons" in problems))
                        if not covered:
                            problems[f] = messages
                if problems:
                    result.errors += _row_errors(row_no, problems)
                else:
                    parsed.append((row_no, clean, assigned_on))
                if progress is not None and result.rows % 500 == 0:
                    progress("check", result.rows, reader.estimated_rows)
    except xi.SheetError as e:
        result.errors = [f"{e}，请使用下载的导入模板"]
        return result
    if progress is not None:
        progress("check", result.rows, result.rows)
    if not result.rows:
        result.errors = ["没有可导入的行：请在“督办事项”表第2行起填写（“示例”行不导入）"]
        return result
    if result.errors:
        return result
    if progress is not None:
        progress("write", 0, len(parsed))
    try:
        with transaction.atomic():
            created = services.import_matters(
                user, [(clean, assigned_on) for _, clean, assigned_on in parsed], at=at, assign=assign,
                progress=(lambda done: progress("write", done, len(parsed))) if progress is not None else None)
            chain.record("supervision.ledger.import", object_type="supervision.matter", after={
                "file": getattr(fileobj, "name", ""), "rows": len(created), "assigned": assign,
                "matters": [m.pk for m in created],
            }, actor=user, occurred_at=at)
    except ItemFailed as failed:
        result.errors = _row_errors(parsed[failed.index][0], _messages(failed.error))
        return result
    result.matters = created
    return result


def run_import_job(job, fileobj, progress) -> dict:
    """The background worker's run of a large upload (duban.core.imports)."""
    from django.urls import reverse

    result = import_matters(job.created_by, fileobj, assign=job.params.get("assign", True), progress=progress)
    if not result.ok:
        return {"ok": False, "errors": result.errors, "rows": result.rows}
    return {"ok": True, "summary": f"已导入 {len(result.matters)} 项督办事项", "written": len(result.matters),
            "rows": result.rows, "link": reverse("supervision:office"), "link_text": "查看督办总表"}

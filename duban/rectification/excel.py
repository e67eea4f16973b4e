"""问题清单台账 in Excel (RECT-3): the template, the import of a unit's (or
several units') ledger with a row-and-column error report, and the export
of any filtered ledger in the same layout, so that an exported file imports
again unchanged. Also the dashboard figures as an Excel file (item 8).

Import rules
- The header row is found among the first rows (a title row and merged
  group headers above it are skipped); header names may contain spaces or
  line breaks; common alternative names are accepted (ALIASES).
- Dates: 2026-03-10, 2026/3/10, 2026年3月10日, 2026年3月10日前, 3月10日前
  (the campaign's year), date cells, full-width digits; 长期坚持 / 长期 for a
  long-term measure (with 报告周期 每月 or 每季度, default 每月).
- A unit column is needed when the file covers several units; `unit` gives
  the unit for rows without one (and refuses rows naming another unit). A
  unit that does not exist (misspelt) or does not take part is a row error.
- Responsible people are linked to the unit's accounts by name where one
  exists, otherwise kept as names (shown as not linked).
- A row whose 编号 is a problem of this campaign is compared with it: equal
  → "unchanged", skipped; different → a row error (edit it in the system).
  Any other 编号 (e.g. from another campaign) is ignored: a new problem.
- 序号 "示例" marks the template's example row, which is skipped.
- Old ledgers import with their past (services.clean_problem with
  history=True, services.import_problem): a deadline already passed is
  no error (the row is overdue at once); 登记日期 (发现时间…) is the
  problem's registration moment (without it, the import's); 状态 sets the
  state: 整改中, 已整改 or 已销号, with its date in the cell
  ("已整改（2026-05-20）") or in 完成日期 / 销号日期 columns (a row with
  only such a date is 已整改 or 已销号); 核验人 names the verifier of a
  已销号 row. The export's 状态 (待核验, 再整改（第2轮）) and 销号时间 read the
  same way.
- Every row is validated first; with any error nothing is written.
"""

import io
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from duban.core import xlsx_import as xi
from duban.core.batch import ItemFailed, gc_paused
from duban.core.exports import XLSX, defuse_workbook, write_xlsx, xlsx_response
from duban.journal import chain
from duban.neardup import engine as neardup
from duban.org.models import Unit
from duban.timelimits.periods import day_end

from . import services
from .models import (
    REPORT_CYCLE_LABELS,
    SOURCE_LABELS,
    SUBJECT_LABELS,
    Problem,
    ProblemRound,
    ProblemState,
    ReportCycle,
    Source,
    Subject,
    deadline_text,
    state_text,
)

SHEET = "问题清单台账"
EXAMPLE_MARK = "示例"

# (header, field, width); the export's and the template's layout.
COLUMNS = [
    ("序号", "_seq", 6),
    ("编号", "number", 16),
    ("责任单位", "unit", 18),
    ("问题类别", "category", 12),
    ("问题来源", "source", 12),
    ("问题主体", "subject", 10),
    ("个人姓名", "subject_name", 10),
    ("问题描述", "description", 40),
    ("原因分析", "cause", 30),
    ("整改措施", "measures", 40),
    ("责任领导", "responsible_leader_name", 10),
    ("责任人", "responsible_person_name", 10),
    ("登记日期", "registered_on", 12),
    ("整改时限", "deadline", 14),
    ("报告周期", "report_cycle", 10),
    ("整改进展", "progress", 30),
    ("状态", "status", 12),
    ("完成日期", "done_on", 12),
    ("销号时间", "closed_on", 12),
]
HEADERS = [c[0] for c in COLUMNS]
COLUMN_OF = {f: h for h, f, _ in COLUMNS}

ALIASES = {xi.header_key(h): f for h, f, _ in COLUMNS}
for _field, _names in {
    "number": ["问题编号"],
    "unit": ["单位", "单位名称", "所属单位", "责任单位名称"],
    "category": ["类别", "问题类型", "问题分类"],
    "source": ["来源", "发现方式", "问题发现方式"],
    "subject": ["班子/个人", "班子或个人", "问题属于", "领导班子/个人"],
    "subject_name": ["姓名"],
    "description": ["存在问题", "问题表现", "具体问题", "问题内容", "问题", "问题清单"],
    "cause": ["原因剖析", "问题原因", "产生原因"],
    "measures": ["整改举措", "措施"],
    "responsible_leader_name": ["分管领导", "牵头领导", "责任领导姓名"],
    "responsible_person_name": ["具体责任人", "整改责任人", "责任人姓名"],
    "deadline": ["完成时限", "整改期限", "时限", "完成时间", "整改完成时限"],
    "progress": ["进展情况", "整改情况", "整改进度", "整改进展情况"],
    "status": ["整改状态", "销号情况", "是否销号"],
    "closed_on": ["销号日期"],
    "registered_on": ["登记时间", "发现时间", "发现日期", "问题发现时间", "查摆时间", "提出时间"],
    "done_on": ["整改完成日期", "整改完成时间", "实际完成时间", "实际完成日期"],
    # A column the import reads beyond the export's layout.
    "verifier_name": ["核验人", "销号核验人", "核验人员", "验收人", "销号人"],
}.items():
    for _name in _names:
        ALIASES.setdefault(xi.header_key(_name), _field)

REQUIRED = ("category", "description", "measures", "deadline")
SOURCE_ALIASES = {"自查": Source.SELF, "自查自纠": Source.SELF, "群众反映": Source.PUBLIC, "巡视": Source.PATROL,
                  "巡察": Source.PATROL, "巡视反馈": Source.PATROL, "巡察反馈": Source.PATROL,
                  "督查": Source.INSPECTION, "考核": Source.ASSESSMENT, "暗访": Source.UNANNOUNCED,
                  "抽查": Source.SPOT_CHECK}
SUBJECT_ALIASES = {"班子": Subject.TEAM, "集体": Subject.TEAM, "领导班子": Subject.TEAM, "个人": Subject.PERSON}
# 状态 as clerks write it (the export writes the states' labels).
STATUS_WORDS = {
    **dict.fromkeys(["整改中", "正在整改", "未整改", "待整改", "未完成", "整改未完成", "推进中", "持续整改",
                     "再整改", "未销号", "否"], ProblemState.RECTIFYING),
    **dict.fromkeys(["已整改", "整改完成", "已完成", "完成整改", "已完成整改", "待核验", "已整改待销号",
                     "待销号", "已整改待核验"], ProblemState.SUBMITTED),
    **dict.fromkeys(["已销号", "销号", "已核验销号", "核验销号", "已整改已销号", "已完成销号", "是"],
                    ProblemState.CLOSED),
}
STATUS_HINT = "整改中、已整改（可写明日期，如“已整改（2026-05-20）”）、已销号"


# --- export -----------------------------------------------------------------------------------

def unit_labels(units) -> dict:
    """How a unit is written in the ledger: its name, or 上级/名称 when the
    name is not unique (several bureaus have an 办公室)."""
    names = {}
    for name in Unit.objects.filter(is_active=True).values_list("name", flat=True):
        names[name] = names.get(name, 0) + 1
    out = {}
    for u in units:
        out[u.pk] = u.name if names.get(u.name, 0) <= 1 or u.parent is None else f"{u.parent.name}/{u.name}"
    return out


LEDGER_FIELDS = ("number", "unit_id", "category_name", "source", "subject", "subject_name", "description", "cause",
                 "measures", "responsible_leader_name", "responsible_person_name", "created_at", "deadline",
                 "long_term", "report_cycle", "latest_progress", "state", "round", "done_at", "closed_at")


def ledger_rows(qs):
    """The ledger's rows (COLUMNS order) of a problem queryset; 完成日期 is
    the day the current round's result was submitted. The problems are
    streamed in chunks (memory stays flat however long the ledger); the
    labels of their units are read first, in one query."""
    units = Unit.objects.filter(pk__in=qs.order_by().values("unit_id")).select_related("parent")
    labels = unit_labels(units)
    submitted = ProblemRound.objects.filter(problem=OuterRef("pk"), number=OuterRef("round"))
    # Only the columns written, as tuples (no model instance a row, no
    # relation read: the unit by its label, the category by its name, the
    # choices' labels from plain dicts, models.*_LABELS); the days in the
    # current time zone, looked up once.
    qs = qs.select_related(None).annotate(
        done_at=Subquery(submitted.values("submitted_at")[:1]), category_name=F("category__name")
    ).values_list(*LEDGER_FIELDS)
    done = (ProblemState.SUBMITTED, ProblemState.CLOSED)
    tz = timezone.get_current_timezone()

    def day(moment):
        return moment.astimezone(tz).date().isoformat() if moment else ""

    for i, (number, unit_id, category_name, source, subject, subject_name, description, cause, measures, leader,
            person, created_at, deadline, long_term, report_cycle, latest_progress, state, round_, done_at,
            closed_at) in enumerate(qs.iterator(chunk_size=2000), start=1):
        yield [
            i, number, labels[unit_id], category_name, SOURCE_LABELS.get(source, source),
            SUBJECT_LABELS.get(subject, subject), subject_name, description, cause, measures, leader, person,
            day(created_at), deadline_text(deadline, long_term), REPORT_CYCLE_LABELS.get(report_cycle, report_cycle),
            latest_progress, state_text(state, round_), day(done_at) if state in done else "", day(closed_at),
        ]


def export_bytes(qs) -> bytes:
    out = io.BytesIO()
    write_xlsx(out, SHEET, HEADERS, ledger_rows(qs), widths=[c[2] for c in COLUMNS])
    return out.getvalue()


def export_response(qs, *, by=None, campaign=None, filters=None):
    """The ledger of `qs` as an .xlsx download; the export is journaled."""
    counted = {"n": 0}

    def rows():
        for row in ledger_rows(qs):
            counted["n"] += 1
            yield row

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    name = f"{campaign.code if campaign else ''}问题清单台账-{stamp}.xlsx"
    response = xlsx_response(name, SHEET, HEADERS, rows(), widths=[c[2] for c in COLUMNS])
    with transaction.atomic():
        chain.record("rectification.ledger.export", object_type="rectification.problem", after={
            "campaign": campaign.pk if campaign else None, "rows": counted["n"],
            "filters": {k: v for k, v in (filters or {}).items() if v}}, actor=by)
    return response


# --- template ---------------------------------------------------------------------------------

def template_workbook(campaign) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    head_font, head_fill = Font(bold=True), PatternFill("solid", fgColor="EEF1F5")
    required = set(REQUIRED) | {"unit"}
    ws.append([h + ("*" if f in required else "") for h, f, _ in COLUMNS])
    for cell in ws[1]:
        cell.font, cell.fill = head_font, head_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    cats = campaign.category_names()
    example = {
        "_seq": EXAMPLE_MARK, "unit": "（本单位名称）", "category": cats[0] if cats else "",
        "source": Source.SELF.label, "subject": Subject.TEAM.label,
        "description": "对上级部署的重点工作推进缓慢，个别事项拖延未办。",
        "cause": "责任分解不细，跟踪问效不够。", "measures": "建立工作台账，实行周调度、月通报，逐项对账销号。",
        "responsible_leader_name": "（分管领导姓名）", "responsible_person_name": "（具体责任人姓名）",
        "deadline": f"{campaign.start_date.year}-06-10",
    }
    ws.append([example.get(f, "") for _, f, _ in COLUMNS])
    for i, (_, _, width) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    lists = {"category": cats, "source": Source.labels, "subject": Subject.labels, "report_cycle": ReportCycle.labels}
    for i, (_, f, _) in enumerate(COLUMNS, start=1):
        if f in lists and lists[f] and len(",".join(lists[f])) < 250:
            dv = DataValidation(type="list", formula1='"' + ",".join(lists[f]) + '"', allow_blank=True)
            letter = get_column_letter(i)
            dv.add(f"{letter}3:{letter}2001")
            ws.add_data_validation(dv)
    notes = wb.create_sheet("说明")
    for line in [
        f"{campaign.name}问题清单台账导入说明",
        "1. 每行填写一个问题，标“*”的列必填；第2行“示例”仅作参考，导入时跳过。",
        "2. 一个文件包含多个单位时须填写“责任单位”列；单位名称须与系统一致。",
        "3. 整改时限写作 2026-06-10、2026年6月10日或“6月10日前”；长期措施写“长期坚持”，并选择报告周期（每月、每季度）。",
        "4. 往期台账照常导入：整改时限已过的问题导入即为逾期；“登记日期”未填的以导入时间为登记时间；"
        "“状态”填整改中、已整改或已销号，日期写在“完成日期”“销号时间”列或状态中，如“已整改（2026-05-20）”；"
        "已销号的须由工作专班、督查室导入或在“核验人”列写明核验人。",
        "5. 系统先校验全部行，任何一行有错则全部不导入，并列出出错的行和列。",
        "6. 问题类别：" + "、".join(cats),
        "7. 问题来源：" + "、".join(Source.labels),
    ]:
        notes.append([line])
    notes["A1"].font = Font(bold=True, size=14)
    notes.column_dimensions["A"].width = 100
    return defuse_workbook(wb)


def template_response(campaign) -> HttpResponse:
    out = io.BytesIO()
    template_workbook(campaign).save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(campaign.code + '问题清单台账模板.xlsx')}"
    return response


# --- import -------------------------------------------------------------------------------------

@dataclass
class ImportReport:
    errors: list = field(default_factory=list)  # Chinese messages naming row and column
    rows: list = field(default_factory=list)  # preview: one dict per row to be imported
    unchanged: list = field(default_factory=list)  # (row number, number) of rows equal to existing problems
    created: list = field(default_factory=list)  # the problems written (empty on dry run or error)
    header_row: int = 0
    dry_run: bool = False

    @property
    def ok(self):
        return not self.errors

    def text(self) -> str:
        """The report as printed by the command."""
        if self.errors:
            lines = [f"发现 {len(self.errors)} 处错误，未导入任何问题：", *("  " + e for e in self.errors)]
            return "\n".join(lines)
        verb = "将导入" if self.dry_run else "已导入"
        lines = [f"表头在第{self.header_row}行；{verb} {len(self.rows)} 个问题" +
                 (f"，{len(self.unchanged)} 行与已有问题相同、跳过" if self.unchanged else "") + "："]
        for r in self.rows:
            person = r["responsible_person_name"] or "—"
            if r["responsible_person_name"] and not r["person_linked"]:
                person += "（未关联账号）"
            lines.append(f"  第{r['row']}行 {r['unit']} · {r['category']} · {r['description'][:30]} · "
                         f"时限 {r['deadline']}" + ("（已逾期）" if r.get("overdue") else "") +
                         f" · 责任人 {person} · {r['status']}" + ("（重复问题）" if r.get("repeated") else ""))
        for row_no, number in self.unchanged:
            lines.append(f"  第{row_no}行 与 {number} 相同，跳过")
        return "\n".join(lines)


class _Units:
    """Units by the names a clerk writes (name, short name, 上级/名称)."""

    def __init__(self):
        self.by_key = {}
        for u in Unit.objects.filter(is_active=True).select_related("parent"):
            keys = {xi.name_key(u.name), xi.name_key(u.short_name)}
            if u.parent is not None:
                for sep in ("/", "·", "-", ""):
                    keys.add(xi.name_key(f"{u.parent.name}{sep}{u.name}"))
            for k in keys - {""}:
                self.by_key.setdefault(k, []).append(u)

    def get(self, text):
        key = xi.name_key(text).replace("•", "·")
        found = self.by_key.get(key, [])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise ValidationError(f"单位“{text}”不止一个，请写明上级单位，如“{found[0].parent.name}/{found[0].name}”")
        raise ValidationError(f"找不到单位“{text}”，请核对名称")


@lru_cache(maxsize=256)
def _label_key(label: str) -> str:
    return xi.name_key(label)


def _choice(text, choices, aliases, what):
    key = xi.name_key(text)
    if not key:
        return ""
    for value, label in choices:
        if key in (value, _label_key(str(label))):
            return value
    if key in aliases:
        return aliases[key]
    raise ValidationError(f"{what}应为：" + "、".join(label for _, label in choices))


COMPARED = ["unit_id", "category_id", "source", "subject", "subject_name", "description", "cause", "measures",
            "responsible_leader_name", "responsible_person_name", "deadline", "long_term", "report_cycle"]


def _comparable(p_or_clean) -> dict:
    if isinstance(p_or_clean, Problem):
        return {k: getattr(p_or_clean, k) for k in COMPARED}
    c = p_or_clean
    return {"unit_id": c["unit"].pk, "category_id": c["category"].pk, "source": c["source"],
            "subject": c["subject"], "subject_name": c["subject_name"], "description": c["description"],
            "cause": c["cause"], "measures": c["measures"], "responsible_leader_name": c["responsible_leader_name"],
            "responsible_person_name": c["responsible_person_name"], "deadline": c.get("deadline"),
            "long_term": c["long_term"], "report_cycle": c["report_cycle"]}


# The choice columns (an enum's `choices` is built anew at every access).
_CHOICES = (("source", Source.choices, SOURCE_ALIASES, "问题来源"), ("subject", Subject.choices, SUBJECT_ALIASES, "问题主体"),
            ("report_cycle", ReportCycle.choices, {}, "报告周期"))


def _parse_row(cells, *, campaign, units, default_unit, by, cats=None, lookups=None):
    """(data for services.clean_problem, {field: [messages]}) of one row."""
    data, problems = {}, {}

    def fail(f, message):
        problems.setdefault(f, []).append(message)

    unit_text = xi.cell_text(cells.get("unit"))
    unit = None
    if unit_text:
        try:
            unit = units.get(unit_text)
        except ValidationError as e:
            fail("unit", e.messages[0])
        if unit is not None and default_unit is not None and unit.pk != default_unit.pk \
                and not unit.path.startswith(default_unit.path):
            fail("unit", f"本次导入的是“{default_unit.name}”的台账，不能包含“{unit.name}”的问题")
    elif default_unit is not None:
        unit = default_unit
    else:
        fail("unit", "请填写责任单位")
    if unit is not None and by is not None and not services._memo(
            lookups, ("may_import", unit.pk),
            lambda: services.acts_for_unit(by, unit) or services.is_manager(by, campaign, unit)):
        fail("unit", f"您无权导入“{unit.name}”的问题")
    data["unit"] = unit
    category_text = xi.cell_text(cells.get("category"))
    if category_text:
        if cats is None:
            cats = {xi.name_key(c.name): c for c in campaign.categories.all()}
        category = cats.get(xi.name_key(category_text))
        if category is None:
            fail("category", f"“{category_text}”不是本专项行动的问题类别（{'、'.join(campaign.category_names())}）")
        data["category"] = category
    for f, choices, aliases, what in _CHOICES:
        try:
            data[f] = _choice(xi.cell_text(cells.get(f)), choices, aliases, what)
        except ValidationError as e:
            fail(f, e.messages[0])
    for f in ("subject_name", "description", "cause", "measures", "responsible_leader_name",
              "responsible_person_name", "progress"):
        data[f] = xi.cell_text(cells.get(f))
    for f in ("subject_name", "responsible_leader_name", "responsible_person_name"):
        data[f] = xi.name_key(data[f])
    if not data.get("subject"):
        data["subject"] = Subject.PERSON if data["subject_name"] else Subject.TEAM
    year = campaign.start_date.year
    raw = cells.get("deadline")
    if xi.is_long_term(raw):
        data["long_term"] = True
    else:
        try:
            data["deadline"] = xi.parse_date(raw, default_year=year)
        except ValueError as e:
            fail("deadline", str(e))
    _parse_history(cells, data, fail, year=year)
    return data, problems


def _parse_history(cells, data, fail, *, year):
    """The row's past: 登记日期, 状态 with its date, 完成日期, 销号日期, 核验人
    (checked by services.clean_problem with history=True). A row without
    a 状态 but with a 销号日期 is 已销号, with a 完成日期 已整改."""
    for f in ("registered_on", "done_on", "closed_on"):
        try:
            data[f] = xi.parse_date(cells.get(f), default_year=year)
        except ValueError as e:
            fail(f, str(e))
    try:
        status, when = xi.parse_status(cells.get("status"), STATUS_WORDS, default_year=year, hint=STATUS_HINT)
    except ValueError as e:
        fail("status", str(e))
        return
    if when is not None:
        f = "closed_on" if status == ProblemState.CLOSED else "done_on"
        if data.get(f) not in (None, when):
            fail("status", "状态中的日期与" + ("销号日期" if f == "closed_on" else "完成日期") + "不一致")
        elif status == ProblemState.RECTIFYING:
            fail("status", "状态为“整改中”，不应写日期")
        data[f] = when
        data["_dated_in"] = f  # its errors name the 状态 column
    if not status:
        status = (ProblemState.CLOSED if data.get("closed_on") else
                  ProblemState.SUBMITTED if data.get("done_on") else ProblemState.RECTIFYING)
    data["status"] = status
    data["verifier_name"] = xi.name_key(cells.get("verifier_name"))


def import_ledger(campaign, fileobj, *, by=None, unit=None, dry_run=False, at=None, progress=None) -> ImportReport:
    """Validate every row of the file, then (unless `dry_run`) create all the
    new problems in one transaction, or none. `unit` is the unit whose
    ledger this is (rows without a unit column belong to it).

    One pass over the streamed sheet checks every row (units, categories,
    people and verifiers looked up once for the whole file); the rows are
    then written in bulk (services.import_problems). `progress(stage, done,
    total)` is told how far it got: stage "check" (rows checked; total the
    sheet's own row count, or None) and "write" (rows written). The
    garbage collector is held off meanwhile (core.batch.gc_paused)."""
    with gc_paused():
        return _import_ledger(campaign, fileobj, by=by, unit=unit, dry_run=dry_run, at=at, progress=progress)


def _import_ledger(campaign, fileobj, *, by, unit, dry_run, at, progress) -> ImportReport:
    at = at or timezone.now()
    report = ImportReport(dry_run=dry_run)
    if by is not None and unit is not None and not (services.acts_for_unit(by, unit)
                                                    or services.is_manager(by, campaign, unit)):
        report.errors = [f"您无权导入“{unit.name}”的台账"]
        return report
    required = REQUIRED if unit is not None else (*REQUIRED, "unit")
    try:
        reader = xi.SheetReader(fileobj, ALIASES, required=required, sheet_name=SHEET)
    except xi.SheetError as e:
        report.errors = [str(e)]
        return report
    report.header_row = reader.header_row
    header_of = {f: reader.headers.get(f, header) for f, header in COLUMN_OF.items()}
    for f in ("responsible_leader", "responsible_person"):
        header_of[f] = header_of[f + "_name"]
    # A date or verifier without a column of its own was read from 状态.
    for f in ("done_on", "closed_on", "verifier_name"):
        header_of[f] = reader.headers.get(f, header_of["status"])
    header_of["verifier"] = header_of["verifier_name"]
    units = _Units()
    cats = {xi.name_key(c.name): c for c in campaign.categories.all()}
    lookups = {}
    checked = []  # (row number, clean or None, {field: [messages]}, 编号, dated_in)
    try:
        with reader:
            for row_no, cells in reader:
                if xi.cell_text(cells.get("_seq")) == EXAMPLE_MARK:
                    continue
                data, problems = _parse_row(cells, campaign=campaign, units=units, default_unit=unit, by=by,
                                            cats=cats, lookups=lookups)
                dated_in = data.pop("_dated_in", None)
                clean = None
                try:
                    clean = services.clean_problem(campaign, data, at=at, history=True, by=by, lookups=lookups)
                except ValidationError as e:
                    for f, messages in e.message_dict.items():
                        if f not in problems:
                            problems[f] = messages
                checked.append((row_no, clean, problems, xi.halfwidth(xi.cell_text(cells.get("number"))), dated_in))
                if progress is not None and len(checked) % 500 == 0:
                    progress("check", len(checked), reader.estimated_rows)
    except xi.SheetError as e:
        report.errors = [str(e)]
        return report
    if progress is not None:
        progress("check", len(checked), len(checked))
    # Rows whose 编号 is a problem of this campaign: looked up together.
    wanted = sorted({n for _, clean, problems, n, _ in checked if n and clean is not None and not problems})
    existing = {}
    for i in range(0, len(wanted), 900):
        existing.update({p.number: p for p in Problem.objects.filter(campaign=campaign, number__in=wanted[i:i + 900])})
    parsed = []
    for row_no, clean, problems, number, dated_in in checked:
        if clean is not None and not problems and number in existing:
            known = existing[number]
            if _comparable(known) == _comparable(clean) and services.history_state(known) == clean["status"]:
                report.unchanged.append((row_no, number))
                continue
            if _comparable(known) == _comparable(clean):
                problems["status"] = [f"{number}已在系统中，状态为“{known.get_state_display()}”；"
                                      "整改、销号请在系统中办理"]
            else:
                problems["number"] = [f"{number}已在系统中且内容不同；修改已登记的问题请在系统中操作"]
        for f, messages in problems.items():
            column = header_of["status"] if f == dated_in else header_of.get(f) or services.LABELS.get(f, "")
            report.errors += [f"{xi.where(row_no, column)}：{m}" for m in messages]
        if not problems:
            parsed.append((row_no, clean))
    if not report.errors and not parsed and not report.unchanged:
        report.errors = ["没有可导入的行：表头下没有填写问题"]
    if report.errors:
        return report
    # Whether a row repeats an earlier problem of its unit or an earlier row:
    # a dry run asks the index; an import learns it from the write, which
    # makes the same lookup for the same rows (services.import_problems).
    repeated = neardup.find_many(
        [(services.repeat_namespace(clean["unit"].pk), f"row:{row_no}", clean["description"])
         for row_no, clean in parsed], ratio=services.REPEAT_RATIO) if dry_run else [()] * len(parsed)
    days = {}  # the registration moments' local days (a ledger's rows mostly share one)
    for (row_no, clean), matches in zip(parsed, repeated, strict=True):
        report.rows.append({
            "row": row_no, "unit": clean["unit"].name, "category": clean["category"].name,
            "description": clean["description"], "deadline": "长期坚持" if clean["long_term"] else
            clean["deadline"].isoformat(), "responsible_person_name": clean["responsible_person_name"],
            "person_linked": clean.get("responsible_person") is not None,
            "repeated": bool(matches),
            "registered": _memo_day(days, clean["registered_at"]),
            "status": _status_text(clean),
            "overdue": clean["status"] == ProblemState.RECTIFYING and not clean["long_term"]
            and day_end(clean["deadline"]) <= at,
        })
    if dry_run:
        return report
    if progress is not None:
        progress("write", 0, len(parsed))
    try:
        with transaction.atomic():
            report.created = services.import_problems(
                campaign, [clean for _, clean in parsed], by=by, at=at,
                progress=(lambda done: progress("write", done, len(parsed))) if progress is not None else None)
            for row, p in zip(report.rows, report.created, strict=True):
                row["repeated"] = getattr(p, "repeats_earlier", False)
            chain.record("rectification.ledger.import", campaign, after={
                "file": getattr(fileobj, "name", "") or "", "unit": unit.pk if unit else None,
                "rows": len(report.created), "unchanged": len(report.unchanged),
                "problems": [p.pk for p in report.created]}, actor=by, occurred_at=at)
    except ItemFailed as failed:
        report.created = []
        row_no = parsed[failed.index][0]
        report.errors = [f"{xi.where(row_no, services.LABELS.get(f, ''))}：{m}"
                         for f, messages in failed.error.message_dict.items() for m in messages] \
            if hasattr(failed.error, "error_dict") else [f"{xi.where(row_no)}：{m}" for m in failed.error.messages]
    return report


def _memo_day(days: dict, moment) -> str:
    if moment not in days:
        days[moment] = timezone.localtime(moment).date().isoformat()
    return days[moment]


def run_import_job(job, fileobj, progress) -> dict:
    """The background worker's run of a large ledger (duban.core.imports)."""
    from django.urls import reverse

    from .models import Campaign, Participation

    campaign = Campaign.objects.get(pk=job.params["campaign"])
    unit_pk = job.params.get("unit")
    unit = Participation.objects.select_related("unit").get(campaign=campaign, unit_id=unit_pk).unit if unit_pk else None
    report = import_ledger(campaign, fileobj, by=job.created_by, unit=unit, progress=progress)
    if not report.ok:
        return {"ok": False, "errors": report.errors}
    summary = f"已导入 {len(report.created)} 个问题" + (
        f"，{len(report.unchanged)} 行与已有问题相同、已跳过" if report.unchanged else "")
    return {"ok": True, "summary": summary, "written": len(report.created),
            "link": reverse("rectification:problems", args=[campaign.pk]), "link_text": "查看问题清单台账"}


def _status_text(clean) -> str:
    """整改中 / 已整改（2026-05-20） / 已销号（2026-06-05，核验人 钱专班）."""
    status = clean["status"]
    if status == ProblemState.RECTIFYING:
        return "整改中"
    if status == ProblemState.SUBMITTED:
        return f"已整改（{timezone.localtime(clean['done_at']).date().isoformat()}，待核验）"
    verifier = clean.get("verifier")
    who = f"，核验人 {verifier.get_full_name() or verifier.get_username()}" if verifier is not None else ""
    return f"已销号（{timezone.localtime(clean['closed_at']).date().isoformat()}{who}）"


# --- dashboard as Excel (item 8) ------------------------------------------------------------------

DASHBOARD_COLUMNS = ["单位", "查找问题", "整改中", "已销号", "逾期未改", "销号率"]


def dashboard_workbook(campaign, *, now=None) -> Workbook:
    from .queries import dashboard

    d = dashboard(campaign, now=now)
    wb = Workbook()
    head_font, head_fill = Font(bold=True), PatternFill("solid", fgColor="EEF1F5")
    for title, first, rows in (("按单位", "单位", d.by_unit), ("按类别", "问题类别", d.by_category)):
        ws = wb.active if title == "按单位" else wb.create_sheet(title)
        ws.title = title
        ws.append([f"{campaign.name}整改进度（截至{timezone.localtime(d.now):%Y-%m-%d %H:%M}）"])
        ws["A1"].font = Font(bold=True, size=14)
        ws.append([first, *DASHBOARD_COLUMNS[1:]])
        for cell in ws[2]:
            cell.font, cell.fill = head_font, head_fill
        for r in [*rows, d.total]:
            ws.append([r.label, r.found, r.rectifying, r.closed, r.overdue, r.closed_rate_text])
        ws.column_dimensions["A"].width = 24
    return defuse_workbook(wb)


def dashboard_response(campaign, *, now=None) -> HttpResponse:
    out = io.BytesIO()
    dashboard_workbook(campaign, now=now).save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(campaign.code + '整改进度.xlsx')}"
    return response

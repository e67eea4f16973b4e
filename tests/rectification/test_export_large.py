"""RECT-3, OUT-2 (issue 20): the problem ledger of a campaign with thousands
of problems, exported as the 导出台账 button sends it (XlsxWriter,
duban.core.exports), reads back cell for cell as the ledger's rows, text
that starts like a formula as quote-prefixed text; the export is journaled
with its size. (That an exported ledger imports again unchanged is
test_import.test_rect3_export_then_import_is_unchanged.)"""

import datetime as dt
import io
import random
from urllib.parse import quote

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from duban.core.exports import FORMULA_STARTS, XLSX
from duban.journal.models import Event
from duban.rectification import excel, queries
from duban.rectification.models import Problem, ProblemRound, ProblemState, Source, Subject

from .conftest import D, T

pytestmark = [pytest.mark.django_db, pytest.mark.pinned_clock]

N = 2000
WORDS = ("落实", "整改", "台账", "责任", "制度", "会议", "群众", "服务", "窗口", "审批")


def add_problems(c, n):
    rng = random.Random(7)
    units = [c.edu, c.fin, c.town]
    cats = list(c.campaign.categories.all())
    states = [ProblemState.RECTIFYING] * 3 + [ProblemState.SUBMITTED, ProblemState.CLOSED]
    problems = []
    for i in range(n):
        state = states[i % len(states)]
        words = "".join(rng.choice(WORDS) for _ in range(rng.randint(4, 20)))
        problems.append(Problem(
            campaign=c.campaign, number=f"ZF-2026-{i + 1:05d}", unit=units[i % 3], category=cats[i % len(cats)],
            source=Source.values[i % len(Source.values)], subject=Subject.TEAM,
            # Every seventh description starts like a formula (issue 21 item 6).
            description=(f"{FORMULA_STARTS[i % 4]}{words}" if i % 7 == 0 else words) + f"（{i}）",
            cause=words[:6], measures=f"{words[::-1]}措施", responsible_leader_name="刘副局长",
            responsible_person_name="张教育", deadline=D(6, 10) + dt.timedelta(days=i % 90),
            due_at=T(6, 10) + dt.timedelta(days=i % 90), state=state, created_at=T(3, 5) + dt.timedelta(minutes=i),
            latest_progress=words[:8] if i % 2 else "", closed_at=T(5, 20) if state == ProblemState.CLOSED else None))
    Problem.objects.bulk_create(problems)
    ProblemRound.objects.bulk_create(
        ProblemRound(problem=p, number=1, started_at=p.created_at, deadline=p.deadline,
                     submitted_at=T(5, 18) if p.state != ProblemState.RECTIFYING else None)
        for p in problems)


def test_rect3_a_ledger_of_thousands_exports_and_reads_back(client, camp):
    c = camp
    add_problems(c, N)
    client.force_login(c.supervisor)
    with time_machine.travel(T(6, 1, 9, 30), tick=False):
        r = client.get(reverse("rectification:export", args=[c.campaign.pk]))
    assert r.status_code == 200 and r.streaming and r["Content-Type"] == XLSX
    assert r["Content-Disposition"] == f"attachment; filename*=UTF-8''{quote('ZF-2026问题清单台账-20260601-093000.xlsx')}"
    data = b"".join(r.streaming_content)
    event = Event.objects.filter(action="rectification.ledger.export").get()
    assert event.after["rows"] == N

    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == [excel.SHEET]
    ws = wb.active
    got = list(ws.iter_rows(values_only=True))
    assert got[0] == tuple(excel.HEADERS)
    # The rows in the ledger's order (the view's: due first), as ledger_rows makes them.
    want = [tuple(v if v != "" else None for v in row)
            for row in excel.ledger_rows(queries.problems_for(c.supervisor, c.campaign))]
    assert len(got) == N + 1 and got[1:] == want
    assert {row[16] for row in got[1:]} >= {"整改中", "待核验", "已销号"}
    description = excel.HEADERS.index("问题描述")
    risky = [row[description] for row in ws.iter_rows(min_row=2) if row[description].value.startswith(FORMULA_STARTS)]
    assert len(risky) == (N + 6) // 7
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in risky)
    assert not any(cell.data_type == "f" for row in ws.iter_rows() for cell in row)

"""RECT-3, RECT-6 at scale (issue 20): a ledger is written per batch behind
the service -- and writes exactly what registering its rows one by one
writes: problems, rounds, clocks with their past, entries, repeat groups and
journal events. Large files run in the background worker with a progress
bar; the row cap is a setting."""

import pytest
import time_machine
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from duban.clocks.models import Clock, ClockPause
from duban.core.models import ImportJob
from duban.journal import chain
from duban.journal.models import Event
from duban.rectification import excel
from duban.rectification import services as rs
from duban.rectification.models import Problem, ProblemEntry, ProblemRound
from tests.old_ledgers import DECEMBER

from .conftest import D
from .test_import_history import import_file, ledger_file, spring_row, spring_rows

pytestmark = pytest.mark.django_db


def _twin(c, code):
    return rs.create_campaign(code=code, name=f"{code}专项行动", start_date=D(2, 24), end_date=D(12, 10),
                              organizer=c.duchashi, units=[c.edu, c.fin, c.town], task_force=c.task_force,
                              at=c.campaign.created_at)


def _written(campaign):
    """What an import wrote for a campaign, with its code taken out."""
    code = campaign.code
    out = []
    for p in Problem.objects.filter(campaign=campaign).order_by("id"):
        clocks = Clock.objects.filter(owner_id=str(p.pk), kind__in=["deadline", "report"]).order_by("id")
        ids = [str(x.pk) for x in clocks]
        out.append({
            "problem": (p.number.replace(code, ""), p.description, p.state, p.due_at, p.closed_at, p.created_at,
                        p.latest_progress, p.repeat_count, p.round, p.deadline_clock_id is not None,
                        p.report_clock_id is not None),
            "clocks": [(x.kind, x.label.replace(code, ""), x.state, x.started_at, x.due_at, x.warn_at, x.met_at,
                        x.late_seconds, x.paused_at, x.explicit,
                        [(q.started_at, q.ended_at, q.reason) for q in ClockPause.objects.filter(clock=x)])
                       for x in clocks],
            "rounds": list(ProblemRound.objects.filter(problem=p).values_list(
                "number", "started_at", "result_text", "submitted_at", "verified_at", "verdict", "closed_at",
                "verify_note")),
            "entries": list(ProblemEntry.objects.filter(problem=p).order_by("at", "id").values_list(
                "kind", "at", "text")),
            "events": [(e.action, e.occurred_at, e.actor_id) for e in Event.objects.filter(
                Q(object_type="rectification.problem", object_id=str(p.pk))
                | Q(object_type="clocks.clock", object_id__in=ids)).order_by("seq")],
        })
    return out


def test_rect3_a_ledger_written_per_batch_equals_the_rows_registered_one_by_one(camp, tmp_path, monkeypatch):
    c = camp
    rows = spring_rows() + [spring_row(9, "县教育局", "慢作为", "审批拖延！", "2026-03-09", "2026-06-30")]
    path = ledger_file(tmp_path / "春季台账.xlsx", rows)
    bulk, single = _twin(c, "BULK-2026"), _twin(c, "ROW-2026")
    with time_machine.travel(DECEMBER, tick=False):
        assert import_file(bulk, path, by=c.supervisor).ok

        def row_by_row(campaign, cleans, *, by=None, at=None, progress=None):
            return [rs.import_problem(campaign, clean, by=by, at=at) for clean in cleans]

        monkeypatch.setattr(rs, "import_problems", row_by_row)
        # The first import's problems are repeats of the second's rows (the
        # same unit, across campaigns): take them out of the index first.
        from duban.neardup.models import IndexedText

        saved = list(IndexedText.objects.filter(namespace__startswith="rectification.problem.").values_list(
            "namespace", "key", "text"))
        IndexedText.objects.filter(namespace__startswith="rectification.problem.").delete()
        assert import_file(single, path, by=c.supervisor).ok
    a, b = _written(bulk), _written(single)
    assert len(a) == 9
    assert a == b
    # The repeat in the file joined its earlier row, once.
    counts = {p.description: p.repeat_count for p in Problem.objects.filter(campaign=bulk)}
    assert counts["审批拖延"] == counts["审批拖延！"] == 2
    assert chain.verify(full=True).ok
    assert saved


def test_rect3_the_batch_write_takes_queries_per_batch_not_per_row(camp, tmp_path):
    c = camp

    def queries_for(n, name):
        rows = [spring_row(i, "县教育局", "慢作为", f"第{i}个问题：{'审批窗口推诿扯皮' * (i % 3 + 1)}", "2026-03-08",
                           "2026-12-31") for i in range(1, n + 1)]
        path = ledger_file(tmp_path / name, rows)
        with CaptureQueriesContext(connection) as ctx, open(path, "rb") as f:
            assert excel.import_ledger(c.campaign, f, by=c.supervisor, at=DECEMBER).ok
        return len(ctx.captured_queries)

    # Per batch, not per row: a hundred more rows cost a handful of queries
    # (bulk inserts split where the database limits a statement's size).
    few, many = queries_for(10, "a.xlsx"), queries_for(110, "b.xlsx")
    assert many - few <= 20, (few, many)


def test_rect3_the_row_cap_is_a_setting(camp, tmp_path, settings):
    c = camp
    settings.DUBAN_IMPORT_MAX_ROWS = 3
    path = ledger_file(tmp_path / "多行.xlsx", [spring_row(i, "县教育局", "慢作为", f"问题{i}", "2026-03-08",
                                                           "2026-12-31") for i in range(1, 5)])
    report = import_file(c.campaign, path, by=c.supervisor, at=DECEMBER)
    assert report.errors == ["表格行数过多：一次最多导入3行，请分批导入"] and not Problem.objects.exists()


def test_rect3_a_large_ledger_runs_in_the_background_with_progress_and_a_result_page(camp, tmp_path, client,
                                                                                    settings):
    c = camp
    settings.DUBAN_IMPORT_BACKGROUND_ROWS = 3
    rows = [spring_row(i, "县教育局", "慢作为", f"第{i}个不同的问题描述{'甲乙丙丁'[i % 4] * i}", "2026-03-08",
                       "2026-12-31") for i in range(1, 7)]
    path = ledger_file(tmp_path / "大台账.xlsx", rows)
    url = reverse("rectification:import", args=[c.campaign.pk])
    traveller = time_machine.travel(DECEMBER, tick=False)
    traveller.start()
    client.force_login(c.supervisor)
    with open(path, "rb") as f:
        response = client.post(url, {"file": f, "unit": ""})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("import_job", args=[job.pk])
    assert job.state == ImportJob.DONE and job.checked == 6 and job.written == 6 and job.data == b""
    page = client.get(response["Location"]).content.decode()
    assert "已导入 6 个问题" in page and 'value="100"' in page
    assert Problem.objects.filter(campaign=c.campaign).count() == 6
    # The page polls while the job runs; another user does not see it.
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.RUNNING, stage="check", checked=2, total=7)
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger=\"every 1s\"" in partial and "已校验 2 / 约 7 行" in partial and "<html" not in partial
    client.force_login(c.edu_user)
    assert client.get(response["Location"]).status_code == 404
    traveller.stop()


def test_rect3_a_background_ledger_with_a_bad_row_names_it_and_writes_nothing(camp, tmp_path, client, settings):
    c = camp
    settings.DUBAN_IMPORT_BACKGROUND_ROWS = 2
    rows = [spring_row(i, "县教育局", "慢作为" if i != 3 else "没有这类", f"问题{i}", "2026-03-08", "2026-12-31")
            for i in range(1, 5)]
    path = ledger_file(tmp_path / "错台账.xlsx", rows)
    with open(path, "rb") as f, time_machine.travel(DECEMBER, tick=False):
        client.force_login(c.supervisor)
        response = client.post(reverse("rectification:import", args=[c.campaign.pk]), {"file": f, "unit": ""})
        page = client.get(response["Location"]).content.decode()
    job = ImportJob.objects.get()
    assert job.state == ImportJob.FAILED
    assert "“问题类别”列" in page and "未导入任何数据" in page
    assert not Problem.objects.exists()


def test_rect3_the_command_prints_its_progress(camp, tmp_path, capsys):
    from django.core.management import call_command

    rows = [spring_row(i, "县教育局", "慢作为", f"问题{i}号", "2026-03-08", "2026-12-31") for i in range(1, 4)]
    path = ledger_file(tmp_path / "命令.xlsx", rows)
    with time_machine.travel(DECEMBER, tick=False):
        call_command("import_problems", camp.campaign.code, str(path))
    out = capsys.readouterr()
    assert "已校验 3 行" in out.out + out.err and "已写入 3 行" in out.out + out.err


def test_rect6_an_import_reports_the_repeats_its_dry_run_reported(camp, tmp_path):
    """The write's own repeat lookup gives the report its 重复问题 flags: the
    same rows as the dry run's lookup in the index."""
    c = camp
    rows = spring_rows() + [spring_row(9, "县教育局", "慢作为", "审批拖延！", "2026-03-09", "2026-06-30")]
    path = ledger_file(tmp_path / "春季台账.xlsx", rows)
    bulk = _twin(c, "FLAGS-2026")
    with time_machine.travel(DECEMBER, tick=False):
        dry = import_file(bulk, path, by=c.supervisor, dry_run=True)
        done = import_file(bulk, path, by=c.supervisor)
    assert dry.ok and done.ok and not dry.created
    flags = [r["repeated"] for r in dry.rows]
    assert True in flags and False in flags
    assert [r["repeated"] for r in done.rows] == flags
    assert "（重复问题）" in done.text()

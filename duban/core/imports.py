"""Large Excel imports in the background worker (issue 20; RECT-3, SUP-1).

An import whose sheet holds more than DUBAN_IMPORT_BACKGROUND_ROWS rows
(default 1,000) is not run in the web request: the page stores the file in
an `ImportJob` and enqueues `run_import_job` (django-tasks: the queue lives
in the database, so the job and its task commit together). The worker runs
the import through the app's runner, which calls the same import as the
page (all or nothing, errors naming rows); the runner reports its progress
(rows checked, rows written), which the job page shows as a progress bar,
and its result, which the job page shows when it is done.

Apps register their runners by kind in AppConfig.ready (`register`): the
core does not know the apps. A runner is `runner(job, fileobj, progress)`
returning the result as a dict: {"ok": bool, "errors": [...], "summary":
"已导入 …", "link": url, "link_text": "…"}; `progress(stage, done, total)`
as the imports call it.
"""

import io

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import task

from .models import ImportJob

_RUNNERS = {}


def register(kind: str, runner) -> None:
    _RUNNERS[kind] = runner


def background_rows() -> int:
    return int(getattr(settings, "DUBAN_IMPORT_BACKGROUND_ROWS", 1000))


def estimated_rows(data: bytes, sheet_name=None) -> int:
    """The sheet's own count of rows (its dimension), read without reading
    the rows; 0 when the file does not say or cannot be opened."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        return 0
    try:
        ws = wb[sheet_name] if sheet_name and sheet_name in wb.sheetnames else wb.worksheets[0]
        return ws.max_row or 0
    except Exception:
        return 0
    finally:
        wb.close()


def in_background(data: bytes, sheet_name=None) -> bool:
    """Whether an upload is large enough to run in the background worker."""
    return estimated_rows(data, sheet_name) > background_rows()


def submit(kind: str, user, *, data: bytes, filename: str, title: str, params=None, at=None) -> ImportJob:
    """Store the file and enqueue its import; returns the job."""
    if kind not in _RUNNERS:
        raise KeyError(f"no import runner registered for {kind!r}")
    with transaction.atomic():
        job = ImportJob.objects.create(kind=kind, title=title[:200], created_by=user, created_at=at or timezone.now(),
                                       filename=filename[:255], data=data, params=params or {},
                                       total=estimated_rows(data) or None)
        run_import_job.enqueue(job.pk)
    return job


def _progress(job_pk):
    """The runner's progress callback: the rows checked are written to the
    job row as they go (the check runs outside any transaction of the
    import's); the rows written are reported from inside the write
    transaction, where other connections would not see them, so the page
    says "正在写入" until the job is done."""
    last = {}

    def report(stage, done, total=None):
        if stage == "write":
            if last.get("stage") != "write":
                last["stage"] = "write"
                if not connection.in_atomic_block:
                    ImportJob.objects.filter(pk=job_pk).update(stage="write")
            return
        if last.get(stage) == done:
            return
        last[stage] = done
        fields = {"stage": stage, ("checked" if stage == "check" else "written"): done}
        if total:
            fields["total"] = total
        ImportJob.objects.filter(pk=job_pk).update(**fields)

    return report


@task()
def run_import_job(job_pk: int) -> str:
    job = ImportJob.objects.get(pk=job_pk)
    if job.finished:
        return job.state
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.RUNNING, stage="check")
    fileobj = io.BytesIO(bytes(job.data))
    fileobj.name = job.filename
    progress = _progress(job.pk)
    try:
        result = _RUNNERS[job.kind](job, fileobj, progress)
    except Exception as e:  # the import wrote nothing (one transaction); say so on the page
        result = {"ok": False, "errors": [f"导入时发生错误，未导入任何数据：{e}"]}
    state = ImportJob.DONE if result.get("ok") else ImportJob.FAILED
    # The file is not kept once it has been imported or refused.
    done = {"stage": "write", "written": result.get("written", 0)} if result.get("ok") else {}
    ImportJob.objects.filter(pk=job.pk).update(state=state, result=result, finished_at=timezone.now(), data=b"",
                                               **done)
    return state

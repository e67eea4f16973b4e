"""Evidence files (AUD-2): stored under generated names outside every served
directory, with the SM3 hash and size taken when they arrive."""

import os
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from duban.core import uploads

from . import chain
from .models import EvidenceFile

CHUNK = 1024 * 1024


def evidence_root() -> Path:
    return Path(settings.EVIDENCE_ROOT)


def path_of(evidence: EvidenceFile) -> Path:
    # Two-level fan-out keeps directories small at millions of files.
    name = evidence.stored_name
    return evidence_root() / name[:2] / name


def _hash_file(path: Path):
    h = hashes.Hash(hashes.SM3())
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
            size += len(chunk)
    return h.finalize().hex(), size


def store(uploaded, *, owner_unit=None, uploaded_by=None, at=None) -> EvidenceFile:
    """Store an uploaded file (any object with .name, .chunks() or .read())
    and journal it. `at`: when it was handed in, as the service was told
    (a report's moment), the event's business moment; `uploaded_at` stays
    the server's moment of arrival, taken with the hash. The file is written
    before the row; if the transaction rolls back the orphan file is removed."""
    limit = settings.EVIDENCE_MAX_BYTES
    original = uploads.sanitize_filename(getattr(uploaded, "name", ""))
    ev = EvidenceFile(original_name=original, content_type=getattr(uploaded, "content_type", "") or "",
                      owner_unit=owner_unit, uploaded_by=uploaded_by, size=0, sm3="")
    target = path_of(ev)
    target.parent.mkdir(parents=True, exist_ok=True)
    h = hashes.Hash(hashes.SM3())
    size = 0
    chunks = uploaded.chunks() if hasattr(uploaded, "chunks") else iter(lambda: uploaded.read(CHUNK), b"")
    tmp = target.with_suffix(".part")
    try:
        with open(tmp, "wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise ValidationError(f"佐证材料“{original}”超过 {limit // (1024 * 1024)} MB 上限")
                h.update(chunk)
                out.write(chunk)
        uploads.check_file(tmp, original, label="佐证材料")
        os.replace(tmp, target)
        os.chmod(target, 0o440)
    finally:
        if tmp.exists():
            tmp.unlink()
    ev.size = size
    ev.sm3 = h.finalize().hex()
    try:
        with transaction.atomic():
            ev.save(force_insert=True)
            chain.record("evidence.store", ev, after={"name": original, "size": size, "sm3": ev.sm3,
                                                      "stored_name": ev.stored_name}, occurred_at=at)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return ev


@dataclass
class EvidenceReport:
    checked: int = 0
    missing: list = field(default_factory=list)
    altered: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.missing and not self.altered


def verify_files(queryset=None) -> EvidenceReport:
    report = EvidenceReport()
    for ev in (queryset if queryset is not None else EvidenceFile.objects.all()).iterator(chunk_size=500):
        report.checked += 1
        path = path_of(ev)
        if not path.exists():
            report.missing.append(ev)
            continue
        digest, size = _hash_file(path)
        if digest != ev.sm3 or size != ev.size:
            report.altered.append(ev)
    return report


def open_file(ev: EvidenceFile):
    return open(path_of(ev), "rb")


class EvidenceAltered(Exception):
    """The stored file no longer has the hash taken when it arrived."""


ALTERED_MESSAGE = ("佐证材料“{name}”的存储文件已被替换或损坏（SM3 哈希与上传时不符），为保证证据真实，拒绝下载。"
                   "请联系审计管理员核查。")


def open_verified(ev: EvidenceFile):
    """The stored file, opened after re-hashing it against the hash taken
    at upload (AUD-2). FileNotFoundError when it is gone, EvidenceAltered
    (journaled: evidence.download_refused) when it was replaced."""
    path = path_of(ev)
    digest, size = _hash_file(path)
    if digest != ev.sm3 or size != ev.size:
        with transaction.atomic():
            chain.record("evidence.download_refused", ev, after={"expected_sm3": ev.sm3, "found_sm3": digest,
                                                                 "expected_size": ev.size, "found_size": size})
        raise EvidenceAltered(ALTERED_MESSAGE.format(name=ev.original_name))
    return open(path, "rb")


def download_response(file_id, *holders):
    """The evidence file `file_id` as a download under its (sanitised)
    original name, when one of `holders` (querysets of records the reader
    may see, already filtered to those that hold this file) is not empty;
    else 404, so that no file is reached by guessing its number (ORG-3). A
    file gone from the store is a 404, a replaced one a 409 page (AUD-2)."""
    from django.http import FileResponse, Http404, HttpResponse
    from django.utils.html import format_html

    if not any(h.exists() for h in holders):
        raise Http404("未找到该文件")
    ev = EvidenceFile.objects.filter(pk=file_id).first()
    if ev is None:
        raise Http404("未找到该文件")
    try:
        handle = open_verified(ev)
    except FileNotFoundError:
        raise Http404("文件已不在存储中，请联系系统管理员") from None
    except EvidenceAltered as e:
        return HttpResponse(format_html("<!doctype html><meta charset=utf-8><title>拒绝下载</title><p>{}</p>", str(e)),
                            status=409, content_type="text/html; charset=utf-8")
    return FileResponse(handle, as_attachment=True, filename=ev.original_name,
                        content_type=ev.content_type or "application/octet-stream")

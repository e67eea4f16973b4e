"""AUD-2: evidence files kept under generated names with their SM3 hash."""

import io

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from duban.journal import evidence
from duban.journal.models import Event


@pytest.fixture
def evidence_dir(tmp_path, settings):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    return settings.EVIDENCE_ROOT


def verify_cmd():
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_journal", stdout=out, stderr=err)
        return 0, out.getvalue(), err.getvalue()
    except SystemExit as exc:
        return exc.code, out.getvalue(), err.getvalue()


def test_aud2_file_is_stored_under_a_generated_name_with_hash_and_size(county, evidence_dir):
    ev = evidence.store(SimpleUploadedFile("整改照片.jpg", b"\xff\xd8photo-bytes"), owner_unit=county.edu,
                        uploaded_by=county.edu_user)
    path = evidence.path_of(ev)
    assert path.exists() and path.read_bytes() == b"\xff\xd8photo-bytes"
    assert "整改照片" not in str(path) and ev.stored_name in path.name
    assert not str(path).startswith(str(settings.STATIC_ROOT))
    assert ev.size == 13 and len(ev.sm3) == 64
    e = Event.objects.order_by("-seq").first()
    assert e.action == "evidence.store" and e.after["sm3"] == ev.sm3


def test_aud2_verification_reports_a_replaced_and_a_missing_file(county, evidence_dir):
    a = evidence.store(SimpleUploadedFile("a.pdf", b"%PDF-original"))
    b = evidence.store(SimpleUploadedFile("b.pdf", b"%PDF-second"))
    assert evidence.verify_files().ok
    path = evidence.path_of(a)
    path.chmod(0o640)
    path.write_bytes(b"replaced")
    evidence.path_of(b).unlink()
    report = evidence.verify_files()
    assert [e.pk for e in report.altered] == [a.pk] and [e.pk for e in report.missing] == [b.pk]
    code, _, err = verify_cmd()
    assert code != 0 and "被替换：a.pdf" in err and "缺失：b.pdf" in err


def test_aud2_oversized_file_is_refused_and_nothing_is_left(county, evidence_dir, settings):
    settings.EVIDENCE_MAX_BYTES = 10
    with pytest.raises(ValidationError) as exc:
        evidence.store(SimpleUploadedFile("大文件.zip", b"x" * 11))
    assert "大文件.zip" in exc.value.messages[0]
    assert not any(p.is_file() for p in evidence_dir.rglob("*"))

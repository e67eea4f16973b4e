"""AUD-2, issue 21 item 6: uploads are checked by content, not by name. Each
of the files the outside test once got accepted as evidence (201) is refused
with a Chinese message naming it; zip bombs and absurd sheets are refused by
limits that are settings; file names are reduced to a plain name."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from duban.core import xlsx_import
from duban.core.uploads import sanitize_filename
from duban.journal import evidence
from duban.journal.models import EvidenceFile

pytestmark = pytest.mark.django_db


@pytest.fixture
def evidence_dir(tmp_path, settings):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    return settings.EVIDENCE_ROOT

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def refused(name, content, *words):
    with pytest.raises(ValidationError) as exc:
        evidence.store(SimpleUploadedFile(name, content))
    message = exc.value.messages[0]
    assert name.rsplit("/", 1)[-1] in message or "“" in message
    for word in words:
        assert word in message, message
    return message


def docx_bytes(extra=None):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
        if extra:
            z.writestr(*extra)
    return out.getvalue()


def test_aud2_what_the_outside_test_uploaded_is_refused(county, evidence_dir):
    refused("整改报告.pdf", EXE, "不是PDF", "Windows 程序")
    refused("台账.xlsx", EXE, "不是Excel")
    refused("setup.exe", EXE, "类型不允许")
    refused("说明.html", b"<html><script>alert(1)</script></html>", "类型不允许")
    refused("图.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "类型不允许")
    refused("说明.txt", b'<svg onload="alert(1)"/>', "标记")
    refused("空.pdf", b"", "空文件")
    assert not EvidenceFile.objects.exists()
    assert not any(p.is_file() for p in evidence_dir.rglob("*"))


def test_aud2_real_files_are_accepted_and_names_sanitised(county, evidence_dir):
    ev = evidence.store(SimpleUploadedFile("../../../../etc/cron.d/x.pdf", b"%PDF-1.7 report"))
    assert ev.original_name == "x.pdf"
    assert evidence.store(SimpleUploadedFile("..\\..\\win.ini.docx", docx_bytes())).original_name == "win.ini.docx"
    assert evidence.store(SimpleUploadedFile("情况说明.txt", "已整改。".encode())).original_name == "情况说明.txt"
    assert sanitize_filename("a\x00b<>.pdf") == "a_b__.pdf" and sanitize_filename("...") == "未命名"
    assert sanitize_filename("长" * 300 + ".pdf").endswith(".pdf") and len(sanitize_filename("长" * 300 + ".pdf")) == 120


def test_aud2_zip_bombs_are_refused_without_expanding(county, evidence_dir, settings):
    settings.DUBAN_UPLOAD_MAX_UNZIPPED_BYTES = 1024 * 1024
    bomb = docx_bytes(("word/media/zeros.bin", b"\x00" * (5 * 1024 * 1024)))
    assert len(bomb) < 64 * 1024
    refused("报告.docx", bomb, "压缩炸弹")
    refused("报告.docx", docx_bytes()[:-30], "损坏")
    refused("台账.xlsx", docx_bytes(), "与扩展名不符")


def sheet(rows, cols=3):
    wb = Workbook()
    ws = wb.active
    for i in range(rows):
        ws.append([f"r{i}c{j}" for j in range(cols)])
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


HEADER = {"r0c0": "a", "r0c1": "b", "r0c2": "c"}  # the first row is the header


def test_out2_absurd_sheets_are_refused_by_the_limits(settings):
    settings.DUBAN_IMPORT_MAX_ROWS = 5
    with pytest.raises(xlsx_import.SheetError, match="行数过多"):
        xlsx_import.read_sheet(sheet(30), HEADER)
    settings.DUBAN_IMPORT_MAX_ROWS = 1000
    settings.DUBAN_IMPORT_MAX_COLUMNS = 5
    with pytest.raises(xlsx_import.SheetError, match="列数过多"):
        xlsx_import.read_sheet(sheet(3, cols=12), HEADER)
    with pytest.raises(xlsx_import.SheetError, match="不是有效的 Excel"):
        xlsx_import.read_sheet(io.BytesIO(EXE), {"r0c0": "a"})

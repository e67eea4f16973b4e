"""What an uploaded file is, by its content (issue 21 item 6): a file is
accepted only when its first bytes are those of the kind its name claims --
an .exe renamed .pdf or .xlsx is refused, and so are programs, web pages,
SVG images and empty files; ZIP-based documents are opened to refuse zip
bombs; names are reduced to a plain file name. The limits are settings."""

import re
import unicodedata
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

PDF = b"%PDF-"
PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8"
GIF = (b"GIF87a", b"GIF89a")
ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Extension -> (kind's name, check of the head, part a ZIP document must hold)
KINDS = {
    "pdf": ("PDF 文档", lambda h: h.startswith(PDF), None),
    "png": ("PNG 图片", lambda h: h.startswith(PNG), None),
    "jpg": ("JPEG 图片", lambda h: h.startswith(JPEG), None),
    "jpeg": ("JPEG 图片", lambda h: h.startswith(JPEG), None),
    "gif": ("GIF 图片", lambda h: h.startswith(GIF), None),
    "docx": ("Word 文档", lambda h: h.startswith(ZIP), "word/"),
    "xlsx": ("Excel 表格", lambda h: h.startswith(ZIP), "xl/"),
    "pptx": ("PowerPoint 演示文稿", lambda h: h.startswith(ZIP), "ppt/"),
    "ofd": ("OFD 版式文档", lambda h: h.startswith(ZIP), "OFD.xml"),
    "zip": ("ZIP 压缩包", lambda h: h.startswith(ZIP), ""),
    "doc": ("Word 文档", lambda h: h.startswith(OLE), None),
    "xls": ("Excel 表格", lambda h: h.startswith(OLE), None),
    "ppt": ("PowerPoint 演示文稿", lambda h: h.startswith(OLE), None),
    "wps": ("WPS 文字文档", lambda h: h.startswith(OLE) or h.startswith(ZIP), None),
    "et": ("WPS 表格", lambda h: h.startswith(OLE) or h.startswith(ZIP), None),
    "txt": ("文本文件", None, None),
    "csv": ("CSV 文本", None, None),
}
ALLOWED_TEXT = "PDF、OFD、Word、Excel、PowerPoint、WPS、图片（PNG、JPEG、GIF）、ZIP、TXT、CSV"

_SIGNATURES = [  # for saying what a refused file really is
    (b"MZ", "Windows 程序"), (b"\x7fELF", "Linux 程序"), (PDF, "PDF 文档"), (PNG, "PNG 图片"), (JPEG, "JPEG 图片"),
    (ZIP, "ZIP 压缩包或 Office 文档"), (OLE, "旧版 Office 文档"), (b"#!", "脚本"),
]
_MARKUP = re.compile(rb"<\s*(html|script|svg|iframe|object|!doctype|\?xml)", re.IGNORECASE)
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"|?*\\/]')


def sanitize_filename(name: str, default="未命名") -> str:
    """A plain file name: no folders (either slash), no control or reserved
    characters, no leading dots, at most 120 characters with its extension."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = _UNSAFE.sub("_", name).strip().lstrip(".").strip()
    if not name or set(name) <= {"_", " "}:
        return default
    stem, dot, ext = name.rpartition(".")
    if dot and len(ext) <= 10:
        return stem[: 120 - len(ext) - 1] + "." + ext if stem else default + "." + ext
    return name[:120]


def extension(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def _what(head: bytes) -> str:
    for magic, label in _SIGNATURES:
        if head.startswith(magic):
            return label
    if _MARKUP.search(head[:1024]):
        return "网页或 SVG 等标记文件"
    return "无法识别的类型"


def check_file(path: Path, name: str, *, label="文件") -> str:
    """Refuse (ValidationError naming the file) what is not the kind its name
    says, or is empty, a zip bomb or a markup file. Returns the extension."""
    ext = extension(name)
    kind = KINDS.get(ext)
    if kind is None:
        raise ValidationError(f"{label}“{name}”的类型不允许上传；可上传 {ALLOWED_TEXT}")
    size = path.stat().st_size
    if size == 0:
        raise ValidationError(f"{label}“{name}”是空文件")
    with open(path, "rb") as f:
        head = f.read(4096)
    kind_name, matches, part = kind
    if matches is None:
        _check_text(head, name, label)
    elif not matches(head):
        raise ValidationError(f"{label}“{name}”的内容不是{kind_name}（按文件内容识别为{_what(head)}），已拒绝")
    if part is not None and head.startswith(ZIP):
        check_zip(path, name, label=label, must_hold=part)
    return ext


def _check_text(head: bytes, name: str, label: str):
    if b"\x00" in head:
        raise ValidationError(f"{label}“{name}”不是文本文件（含有二进制内容），已拒绝")
    if _MARKUP.search(head[:1024]):
        raise ValidationError(f"{label}“{name}”含有网页或脚本标记，已拒绝")
    for encoding in ("utf-8", "gb18030"):
        try:
            head[:4000].decode(encoding)
            return
        except UnicodeDecodeError:
            continue
    raise ValidationError(f"{label}“{name}”不是可读的文本文件，已拒绝")


def check_zip(path, name: str, *, label="文件", must_hold=""):
    """A ZIP-based file whose contents would expand past the limits
    (DUBAN_UPLOAD_MAX_UNZIPPED_MB, DUBAN_UPLOAD_MAX_ZIP_ENTRIES, a ratio of
    100 to 1 past 10 MB) is refused without being expanded."""
    limit = settings.DUBAN_UPLOAD_MAX_UNZIPPED_BYTES
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise ValidationError(f"{label}“{name}”已损坏，无法打开") from e
    if len(infos) > settings.DUBAN_UPLOAD_MAX_ZIP_ENTRIES:
        raise ValidationError(f"{label}“{name}”包含的文件过多（{len(infos)} 个），疑为压缩炸弹，已拒绝")
    expanded = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if expanded > limit or (expanded > 10 * 1024 * 1024 and expanded / packed > 100):
        raise ValidationError(f"{label}“{name}”解压后达 {expanded // (1024 * 1024)} MB，疑为压缩炸弹，已拒绝")
    if must_hold and not any(i.filename.startswith(must_hold) for i in infos):
        raise ValidationError(f"{label}“{name}”的内容与扩展名不符，已拒绝")

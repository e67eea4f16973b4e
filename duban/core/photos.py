"""When a photo was taken, from its embedded EXIF data (DateTimeOriginal,
with OffsetTimeOriginal when the camera wrote one), read with Pillow. A
photo without the tag, or a file that is not an image Pillow reads, has no
time: it is never a signal by itself."""

import datetime as dt

from django.utils import timezone
from PIL import Image, UnidentifiedImageError

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".tif", ".tiff", ".png", ".webp", ".heic")
EXIF_IFD = 0x8769
DATETIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011
DATETIME = 0x0132


def may_be_photo(name: str, content_type: str = "") -> bool:
    return (content_type or "").startswith("image/") or (name or "").lower().endswith(PHOTO_SUFFIXES)


def _parse(text, offset=None):
    text = (text or "").strip().rstrip("\x00")
    try:
        naive = dt.datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    if offset:
        try:
            sign = -1 if offset.strip().startswith("-") else 1
            hours, minutes = offset.strip().lstrip("+-").split(":")
            tz = dt.timezone(sign * dt.timedelta(hours=int(hours), minutes=int(minutes)))
            return naive.replace(tzinfo=tz)
        except ValueError:
            pass
    # Without an offset the camera's clock is taken as local (Beijing) time.
    return timezone.make_aware(naive, timezone.get_default_timezone())


def taken_at(handle):
    """The moment the photo in the open binary file `handle` was taken, or
    None."""
    try:
        with Image.open(handle) as img:
            exif = img.getexif()
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    sub = exif.get_ifd(EXIF_IFD)
    text = sub.get(DATETIME_ORIGINAL) or exif.get(DATETIME)
    return _parse(text, sub.get(OFFSET_TIME_ORIGINAL)) if text else None


def jpeg_taken(moment, *, size=(64, 48), colour=(120, 140, 160)) -> bytes:
    """A small JPEG whose EXIF says it was taken at `moment` (local time):
    for the demo and the tests."""
    import io

    local = timezone.localtime(moment)
    img = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[DATETIME] = local.strftime("%Y:%m:%d %H:%M:%S")
    exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = local.strftime("%Y:%m:%d %H:%M:%S")
    offset = local.strftime("%z")
    exif.get_ifd(EXIF_IFD)[OFFSET_TIME_ORIGINAL] = f"{offset[:3]}:{offset[3:]}"
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()

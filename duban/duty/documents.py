"""值班要情 as a Word file in the GB/T 9704 layout (DUTY-5), made with
duban.core.officialdoc: the red 版头 reads 值班要情, the 发文字号 line 第N期
(of the year of issue), the title in 小标宋, one section per item (its
heading in 黑体 "一、…", its summary as body paragraphs), the issuing office
(默认 示范县人民政府值班室; setting DUBAN_DUTY_BULLETIN_ISSUER) as 署名 with the
date of issue, and the office again as 印发机关 in the 版记.

    data = bulletin_docx(bulletin)            # bytes
    docx_response(bulletin_filename(bulletin), data)
"""

from django.conf import settings
from django.utils import timezone

from duban.core.officialdoc import OfficialDocument, Section, render_docx

from .models import Bulletin

MARK = "值班要情"


def issuer() -> str:
    return getattr(settings, "DUBAN_DUTY_BULLETIN_ISSUER", f"{settings.DUBAN_COUNTY_NAME}人民政府值班室")


def bulletin_document(bulletin: Bulletin) -> OfficialDocument:
    moment = bulletin.issued_at or bulletin.compiled_at
    day = timezone.localtime(moment).date()
    number = f"{bulletin.year}年{bulletin.number_text}" if bulletin.number else "（待印发）"
    sections = [Section(heading=item.heading, level=1, paragraphs=[item.summary])
                for item in bulletin.items.order_by("sort_order", "id")]
    return OfficialDocument(
        issuer_mark=MARK,
        doc_number=number,
        title=bulletin.title,
        sections=sections,
        signer=issuer(),
        date=day,
        printed_by=issuer(),
        printed_date=day,
    )


def bulletin_docx(bulletin: Bulletin) -> bytes:
    return render_docx(bulletin_document(bulletin))


def bulletin_filename(bulletin: Bulletin) -> str:
    if bulletin.number:
        return f"值班要情{bulletin.year}年第{bulletin.number}期.docx"
    return f"值班要情（草稿）{bulletin.pk}.docx"

"""公文办理 (DOC-1, DOC-2, TL-3; seed 004 §4, §8; seed 000 §二(四)):
received documents (收文) and issued documents (发文) on their legal clocks.

A received document is registered with the issuer's number, title and
urgency; an extra-urgent one (特急) must be approved for handling (批办)
within 1 hour (rule urgent_document_1h). When it requires a supporting
document (配套文件) of a named unit and person, that unit owes it for review
within 2 months and issued within 3 (rules supporting_document_review_2mo /
_issue_3mo), or by the limits the higher document states.

An issued document is drafted (起草), submitted for review (送审), sent back
with a leader's revision comments (修改: back within 1 working day, 3 for
major ones -- revision_resubmit_1wd / major_revision_resubmit_3wd) and
issued (印发). One drafted after a standing meeting (常务会议审定) is issued
within 5 working days of the meeting (meeting_document_issue_5wd). Its
length is counted in characters; over the limit (LengthLimit rows: 5,000,
4,000 for 专项 documents) it needs a reason. One that assigns work lists
its arrangements (DocumentTask), each with a time node, responsible unit
and responsible person (DOC-2). One that only forwards a higher document
without local measures can be flagged 以文件落实文件; the flag counts
against its unit. An issued document counts against its unit's annual plan
(duban.plans, by content: a note-form or white-letterhead document counts
like a red-headed one).

The clocks live in duban.clocks (owner = the document); `current_clock`
points at the open one due first, which the lists sort and colour by.
"""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from duban.core.choices import Urgency
from duban.core.models import SeedNumber
from duban.org.visibility import VisibilitySpec, subtree_ids


class Direction(models.TextChoices):
    RECEIVED = "received", "收文"
    ISSUED = "issued", "发文"


class Layout(models.TextChoices):
    RED_HEAD = "red_head", "红头文件"
    WHITE_HEAD = "white_head", "白头文件"
    NOTE = "note", "便函（便笺）"


class DocState(models.TextChoices):
    # received
    REGISTERED = "registered", "待批办"
    APPROVED = "approved", "已批办"
    # issued
    DRAFT = "draft", "起草中"
    SUBMITTED = "submitted", "送审中"
    REVISING = "revising", "修改中"
    ISSUED = "issued", "已印发"


def _task_units(user, scope):
    """Sight for the units a document assigns work to (its DocumentTask
    rows): EXISTS on the tasks, never a join."""
    roots = scope.roots
    if not roots:
        return Q(pk__in=[])
    return Q(Exists(DocumentTask.objects.filter(document=OuterRef("pk"), unit__in=subtree_ids(roots))))


class Document(models.Model):
    direction = models.CharField("收发", max_length=10, choices=Direction.choices)
    state = models.CharField("状态", max_length=12, choices=DocState.choices)
    number = models.CharField("文号", max_length=60, blank=True)
    issuer_name = models.CharField("发文机关", max_length=100,
                                   help_text="收文：来文机关（如市人民政府办公室）；发文：本单位")
    unit = models.ForeignKey("org.Unit", verbose_name="办理单位", on_delete=models.PROTECT, related_name="documents",
                             help_text="收文：收文单位；发文：主办（发文）单位，计入其年度发文计划")
    title = models.CharField("标题", max_length=200)
    urgency = models.CharField("紧急程度", max_length=20, choices=Urgency.choices, default=Urgency.NORMAL)
    layout = models.CharField("版式", max_length=12, choices=Layout.choices, default=Layout.RED_HEAD)
    is_special = models.BooleanField("专项文件", default=False)
    char_count = models.PositiveIntegerField("篇幅（字）", null=True, blank=True)
    length_reason = models.TextField("篇幅超限理由", blank=True)
    implements = models.ForeignKey("self", verbose_name="落实的上级文件", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="implementations")
    implements_text = models.CharField("上级文件（未登记的）", max_length=200, blank=True)
    received_at = models.DateTimeField("收文时间", null=True, blank=True)
    # The supporting document a received document requires (配套文件).
    needs_supporting = models.BooleanField("须制定配套文件", default=False)
    supporting_unit = models.ForeignKey("org.Unit", verbose_name="配套文件责任单位", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    supporting_person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="配套文件责任人", null=True,
                                          blank=True, on_delete=models.PROTECT, related_name="+")
    supporting_review_due = models.DateTimeField("配套文件送审期限（上级规定）", null=True, blank=True)
    supporting_issue_due = models.DateTimeField("配套文件出台期限（上级规定）", null=True, blank=True)
    # An issued document drafted after a standing meeting.
    meeting_name = models.CharField("审定会议", max_length=120, blank=True)
    meeting_at = models.DateTimeField("会议审定时间", null=True, blank=True)
    assigns_work = models.BooleanField("布置工作", default=False)
    only_forwards = models.BooleanField("以文件落实文件", default=False)
    forwarding_note = models.CharField("以文件落实文件说明", max_length=300, blank=True)
    flagged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="标记人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    flagged_at = models.DateTimeField("标记时间", null=True, blank=True)
    approval_note = models.TextField("批办意见", blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="批办人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField("批办时间", null=True, blank=True)
    submitted_at = models.DateTimeField("首次送审时间", null=True, blank=True)
    revision_note = models.TextField("修改意见", blank=True)
    issued_at = models.DateTimeField("印发时间", null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="印发登记人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                      related_name="+")
    registered_at = models.DateTimeField("登记时间")
    current_clock = models.ForeignKey("clocks.Clock", verbose_name="最近到期的计时器", null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    open_due_at = models.DateTimeField("最近期限", null=True, blank=True, editable=False)

    visibility = VisibilitySpec(unit_fields=("unit", "supporting_unit"), user_fields=("supporting_person",),
                                extra=(_task_units,))

    class Meta:
        verbose_name = "公文"
        verbose_name_plural = "公文"
        ordering = ["-registered_at", "-id"]
        indexes = [
            models.Index(fields=["direction", "open_due_at", "id"], name="documents_open_due"),
            models.Index(fields=["direction", "state", "-registered_at"], name="documents_state"),
            models.Index(fields=["unit", "direction", "-registered_at"], name="documents_unit"),
            models.Index(fields=["only_forwards", "unit"], name="documents_forwarding"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}".strip()

    def get_absolute_url(self):
        return reverse("documents:document", args=[self.pk])

    @property
    def is_received(self):
        return self.direction == Direction.RECEIVED


class DocumentTask(models.Model):
    """One work arrangement of a document (DOC-2): what, by whom, by when."""

    document = models.ForeignKey(Document, verbose_name="公文", on_delete=models.CASCADE, related_name="tasks")
    seq = models.PositiveSmallIntegerField("序号")
    content = models.CharField("工作内容", max_length=300)
    unit = models.ForeignKey("org.Unit", verbose_name="责任单位", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="责任人", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField("时间节点", null=True, blank=True)

    visibility = VisibilitySpec(via=("document",))

    class Meta:
        verbose_name = "工作安排"
        verbose_name_plural = "工作安排"
        ordering = ["document", "seq"]
        constraints = [models.UniqueConstraint(fields=["document", "seq"], name="documents_task_seq")]

    def __str__(self):
        return f"{self.document} 第{self.seq}项"


class LengthLimit(SeedNumber):
    """How many characters a document may run to before it needs a reason
    (《整治形式主义为基层减负若干规定》, 2024): rows an administrator edits."""

    class Meta(SeedNumber.Meta):
        verbose_name = verbose_name_plural = "篇幅上限"

"""What 督办 tells the accountability and integrity reviews about its
matters (duban.core.feeds; declared as `record_feed` on SupervisionConfig):
progress reports and completion texts, completions with their owner and
reviewer, the completion requests whose moment a unit claims, the records
holding evidence files, failed matters and their decomposition. Reads
only."""

from django.contrib.contenttypes.models import ContentType

from duban.clocks.models import Clock
from duban.core.feeds import CloseOut, Failure, Feed, Ref, Text, TraceNode, failed

from .models import ExtensionRequest, Matter, Report, ReportKind, ReviewState, Urge
from .services import COMPLETION


def _ref(m) -> Ref:
    return Ref(str(m), m.get_absolute_url(), m.lead_unit_id, m.lead_person_id)


class SupervisionFeed(Feed):
    name = "supervision.matter"
    claim_actions = {"supervision.matter.request_completion": "办结申请"}

    def texts(self, since):
        qs = (Report.objects.filter(submitted_at__gte=since).select_related("matter")
              .order_by("submitted_at", "id"))
        for r in qs.iterator(chunk_size=500):
            ns = "closeout" if r.kind == ReportKind.COMPLETION else "progress"
            ref = Ref(f"{r.matter}：{r.get_kind_display()}", r.matter.get_absolute_url() + f"#report-{r.pk}",
                      r.unit_id, r.submitted_by_id)
            yield Text(ns, f"supervision.report#{r.pk}", f"supervision.matter#{r.matter_id}", r.text,
                       r.submitted_at, ref)

    def closeouts(self, since):
        accepted = (Report.objects.filter(kind=ReportKind.COMPLETION, review_state=ReviewState.ACCEPTED,
                                          reviewed_at__gte=since)
                    .select_related("matter", "reviewed_by__person").prefetch_related("files")
                    .order_by("reviewed_at", "id"))
        for r in accepted:
            m = r.matter
            reviewer = r.reviewed_by
            yield CloseOut(
                key=f"supervision.matter#{m.pk}", ref=_ref(m),
                owner_ids=frozenset(x for x in (m.lead_person_id, r.submitted_by_id) if x),
                verifier_id=r.reviewed_by_id,
                verifier_unit_id=getattr(getattr(reviewer, "person", None), "unit_id", None),
                verified_at=r.reviewed_at, claimed_at=r.submitted_at, started_at=m.assigned_at,
                file_ids=tuple(str(f.pk) for f in r.files.all()), split_by_unit_id=m.assigning_unit_id)

    def describe(self, object_type, ids) -> dict:
        if object_type != "supervision.matter":
            return {}
        pks = [int(i) for i in ids if str(i).isdigit()]
        return {str(m.pk): _ref(m) for m in Matter.objects.filter(pk__in=pks)}

    def file_holders(self, file_ids) -> dict:
        through = Report.files.through
        rows = (through.objects.filter(evidencefile_id__in=list(file_ids))
                .select_related("report__matter").order_by("report_id"))
        out = {}
        for row in rows:
            m = row.report.matter
            out.setdefault(str(row.evidencefile_id), []).append((f"supervision.matter#{m.pk}", _ref(m)))
        return out

    def failures(self, since, until):
        for m, c, how in failed(Matter, COMPLETION, since, until, late="逾期办结", missed="逾期未办结"):
            yield Failure(self.name, str(m.pk), _ref(m), c.due_at, how, c.breached_at or c.due_at)

    def trace(self, key) -> list:
        m = Matter.objects.filter(pk=int(key)).first() if str(key).isdigit() else None
        if m is None:
            return []
        root = m.root if m.root_id else m
        matters = list(Matter.objects.filter(tree_path__startswith=root.tree_path)
                       .select_related("completion_clock").order_by("tree_path"))
        ids = [x.pk for x in matters]
        ct = ContentType.objects.get_for_model(Matter)
        related = {}
        for model, field in ((Report, "matter_id"), (Urge, "matter_id"), (ExtensionRequest, "matter_id")):
            label = f"{model._meta.app_label}.{model._meta.model_name}"
            for pk, owner in model.objects.filter(matter_id__in=ids).values_list("pk", field):
                related.setdefault(owner, []).append((label, str(pk)))
        for pk, owner in Clock.objects.filter(owner_type=ct, owner_id__in=[str(i) for i in ids]).values_list(
                "pk", "owner_id"):
            related.setdefault(int(owner), []).append(("clocks.clock", str(pk)))
        out = []
        for x in matters:
            c = x.completion_clock
            out.append(TraceNode(
                key=str(x.pk), parent_key=str(x.parent_id or ""), depth=x.depth - root.depth, ref=_ref(x),
                number=x.number, assigned_by_unit_id=x.assigning_unit_id or x.supervising_unit_id,
                due_at=c.due_at if c else None, state=x.get_state_display(),
                result=(c.get_state_display() if c else ""),
                journal=[("supervision.matter", str(x.pk)), *related.get(x.pk, [])]))
        return out


def feed():
    return SupervisionFeed()

"""What 作风整治 tells the accountability and integrity reviews about its
problems (duban.core.feeds; declared as `record_feed` on
RectificationConfig): progress and result texts, verified close-outs with
their owner and verifier, the submissions whose moment a unit claims, the
records holding evidence files, and overdue problems. Reads only."""

from django.contrib.contenttypes.models import ContentType

from duban.clocks.models import Clock
from duban.core.feeds import CloseOut, Failure, Feed, Ref, Text, TraceNode, failed

from .models import EntryKind, Problem, ProblemEntry, ProblemRound, Verdict

TEXT_KINDS = {EntryKind.PROGRESS: "progress", EntryKind.PERIODIC: "progress", EntryKind.SUBMITTED: "closeout"}


def _ref(p) -> Ref:
    return Ref(str(p), p.get_absolute_url(), p.unit_id, p.responsible_person_id)


class RectificationFeed(Feed):
    name = "rectification.problem"
    claim_actions = {"rectification.problem.submit": "提交整改结果"}

    def texts(self, since):
        qs = (ProblemEntry.objects.filter(kind__in=list(TEXT_KINDS), at__gte=since).exclude(text="")
              .select_related("problem").order_by("at", "id"))
        for e in qs.iterator(chunk_size=500):
            p = e.problem
            ref = Ref(f"{p}：{e.get_kind_display()}", p.get_absolute_url(), p.unit_id, e.by_id)
            yield Text(TEXT_KINDS[e.kind], f"rectification.problementry#{e.pk}", f"rectification.problem#{p.pk}",
                       e.text, e.at, ref)

    def closeouts(self, since):
        rounds = (ProblemRound.objects.filter(verdict=Verdict.PASSED, verified_at__gte=since)
                  .select_related("problem", "verified_by__person").order_by("verified_at", "id"))
        rounds = list(rounds)
        files = {}
        entries = ProblemEntry.objects.filter(kind=EntryKind.SUBMITTED,
                                              problem_id__in={r.problem_id for r in rounds})
        for e in entries.prefetch_related("evidence"):
            files.setdefault((e.problem_id, e.round), []).extend(str(f.pk) for f in e.evidence.all())
        for r in rounds:
            p = r.problem
            verifier = r.verified_by
            yield CloseOut(
                key=f"rectification.problem#{p.pk}", ref=_ref(p),
                owner_ids=frozenset(x for x in (p.responsible_person_id, r.submitted_by_id) if x),
                verifier_id=r.verified_by_id,
                verifier_unit_id=getattr(getattr(verifier, "person", None), "unit_id", None),
                verified_at=r.verified_at, claimed_at=r.submitted_at, started_at=r.started_at,
                file_ids=tuple(files.get((p.pk, r.number), ())))

    def describe(self, object_type, ids) -> dict:
        if object_type != "rectification.problem":
            return {}
        pks = [int(i) for i in ids if str(i).isdigit()]
        return {str(p.pk): _ref(p) for p in Problem.objects.filter(pk__in=pks)}

    def file_holders(self, file_ids) -> dict:
        through = ProblemEntry.evidence.through
        out = {}
        for row in through.objects.filter(evidencefile_id__in=list(file_ids)).select_related("problementry__problem"):
            p = row.problementry.problem
            out.setdefault(str(row.evidencefile_id), []).append((f"rectification.problem#{p.pk}", _ref(p)))
        return out

    def failures(self, since, until):
        for p, c, how in failed(Problem, "deadline", since, until, late="逾期整改", missed="逾期未整改"):
            yield Failure(self.name, str(p.pk), _ref(p), c.due_at, how, c.breached_at or c.due_at)

    def trace(self, key) -> list:
        p = Problem.objects.filter(pk=int(key)).first() if str(key).isdigit() else None
        if p is None:
            return []
        ct = ContentType.objects.get_for_model(Problem)
        clocks = Clock.objects.filter(owner_type=ct, owner_id=str(p.pk)).values_list("pk", flat=True)
        c = p.deadline_clock
        return [TraceNode(key=str(p.pk), parent_key="", depth=0, ref=_ref(p), number=p.number,
                          assigned_by_unit_id=p.campaign.organizer_id, due_at=c.due_at if c else None,
                          state=p.get_state_display(), result=c.get_state_display() if c else "",
                          journal=[("rectification.problem", str(p.pk)), *[("clocks.clock", str(i)) for i in clocks]])]


def feed():
    return RectificationFeed()

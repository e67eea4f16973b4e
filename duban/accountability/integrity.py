"""The signs of falsification (AUD-3), found from the record: what the
business apps hand over through duban.core.feeds, the journal (each event's
claimed `occurred_at` beside the server's `recorded_at`, evidence files with
their hashes) and the organisation. Reads only; duban.accountability.
services.scan keeps what is found as Signal rows for the office to review.

- backdated: a moment a unit claimed (a completion request, a submitted
  rectification) lies earlier than the moment the server recorded it by
  more than `backdate_hours`;
- photo_time: a photo handed in for a close-out was taken (EXIF
  DateTimeOriginal) after the claimed completion, or before the obligation
  began, by more than `photo_tolerance_hours`;
- self_closure: a close-out verified by its owner, or by someone of the
  owner's organisation (the unit itself or its offices, or the unit an
  office belongs to) -- but for a sub-task reviewed by the unit that split
  it (一级抓一级);
- reused_file: one evidence file (the same SM3 hash) handed in for
  different records;
- typed_moment: a duty report whose typed moment (通话时间) lies more than
  `typed_gap_minutes` before the server recorded it, and on which the
  15-minute clock was judged met although the server's moment is past it;
- copied: progress reports or close-out texts copied between units, or
  repeated from earlier reports (duban.neardup: character bigrams,
  MinHash/LSH, verified by edit-distance similarity ≥ `copied_ratio_pct`).

Claimed moments recorded before the watch's start (`Watch.history_until`),
and texts written before it, are history loaded with their past dates and
are not judged (a text from then may still be the original of a copy)."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F

from duban.core import photos
from duban.core.feeds import feeds
from duban.core.services import fmt_moment
from duban.journal import evidence as ev
from duban.journal.models import Event, EvidenceFile
from duban.org.models import Unit, UnitKind

from .models import SignalKind


@dataclass
class Found:
    kind: str
    key: str
    unit_id: int | None
    title: str
    moment: dt.datetime | None
    evidence: list = field(default_factory=list)  # [{text, url}]


def _numbers():
    from .services import number

    return {
        "backdate": dt.timedelta(hours=number("backdate_hours", 24)),
        "photo": dt.timedelta(hours=number("photo_tolerance_hours", 24)),
        "typed": dt.timedelta(minutes=number("typed_gap_minutes", 30)),
        "days": number("scan_days", 400),
    }


def _fmt_gap(delta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes >= 2 * 24 * 60:
        return f"{minutes // (24 * 60)}天"
    if minutes >= 120:
        return f"{minutes // 60}小时"
    return f"{minutes}分钟"


def detect(now) -> list:
    from .services import history_until

    n = _numbers()
    since = now - dt.timedelta(days=n["days"])
    watch = history_until()
    judged_since = max(since, watch) if watch else since
    all_feeds = feeds()
    out = []
    out += backdated(all_feeds, judged_since, n["backdate"])
    closeouts = [c for f in all_feeds for c in f.closeouts(since)]
    out += self_closures(closeouts)
    out += photo_times(closeouts, n["photo"])
    out += reused_files(all_feeds, since)
    out += typed_moments(all_feeds, judged_since, n["typed"])
    out += copied_texts(all_feeds, since, judged_since)
    return out


def backdated(all_feeds, since, tolerance) -> list:
    out = []
    for feed in all_feeds:
        actions = feed.claim_actions or {}
        if not actions:
            continue
        events = list(Event.objects.filter(action__in=list(actions), occurred_at__isnull=False,
                                           recorded_at__gte=since,
                                           recorded_at__gt=F("occurred_at") + tolerance).order_by("seq"))
        by_type = {}
        for e in events:
            by_type.setdefault(e.object_type, set()).add(e.object_id)
        refs = {}
        for t, ids in by_type.items():
            refs.update({(t, k): v for k, v in feed.describe(t, ids).items()})
        for e in events:
            ref = refs.get((e.object_type, e.object_id))
            if ref is None:
                continue
            gap = e.recorded_at - e.occurred_at
            what = actions[e.action]
            out.append(Found(
                SignalKind.BACKDATED, f"backdated:{e.seq}", ref.unit_id,
                f"{ref.label}：{what}声称于{fmt_moment(e.occurred_at)}，系统记录于{fmt_moment(e.recorded_at)}，"
                f"早{_fmt_gap(gap)}", e.occurred_at,
                [{"text": f"{what}（{e.actor_name}）", "url": ref.url},
                 {"text": f"审计日志第{e.seq}条：发生时间 {fmt_moment(e.occurred_at)}，记录时间 "
                          f"{fmt_moment(e.recorded_at)}", "url": ""}]))
    return out


def _organisation(unit, units):
    """The unit an office belongs to (a department's 股室, the office's
    督查室 of 县政府办公室): the nearest unit above it, itself included, that
    is not an office."""
    while unit is not None and unit.kind == UnitKind.OFFICE and unit.parent_id:
        unit = units.get(unit.parent_id) or Unit.objects.filter(pk=unit.parent_id).first()
    return unit


def self_closures(closeouts) -> list:
    ids = {c.ref.unit_id for c in closeouts} | {c.verifier_unit_id for c in closeouts}
    units = {u.pk: u for u in Unit.objects.filter(pk__in=[i for i in ids if i])}
    units.update({u.pk: u for u in Unit.objects.filter(pk__in={u.parent_id for u in units.values() if u.parent_id})})
    out = []
    for c in closeouts:
        if c.verifier_id is None:
            continue
        owner_unit, verifier_unit = units.get(c.ref.unit_id), units.get(c.verifier_unit_id)
        owner_org = _organisation(owner_unit, units)
        if c.verifier_id in c.owner_ids:
            why = "核验人即该事项的责任人（提交人）"
        elif (verifier_unit is not None and owner_org is not None and c.verifier_unit_id != c.split_by_unit_id
              and _organisation(verifier_unit, units) == owner_org):
            why = f"核验人属于责任单位本身（{verifier_unit.name}，属{owner_org.name}）"
        else:
            continue
        out.append(Found(SignalKind.SELF_CLOSURE, f"self_closure:{c.key}:{c.verified_at.isoformat()}",
                         c.ref.unit_id, f"{c.ref.label}：{why}", c.verified_at,
                         [{"text": f"{fmt_moment(c.verified_at)}核验销号，{why}", "url": c.ref.url}]))
    return out


def photo_times(closeouts, tolerance) -> list:
    wanted = {fid for c in closeouts for fid in c.file_ids}
    files = {str(f.pk): f for f in EvidenceFile.objects.filter(pk__in=list(wanted))} if wanted else {}
    out = []
    for c in closeouts:
        for fid in c.file_ids:
            f = files.get(fid)
            if f is None or not photos.may_be_photo(f.original_name, f.content_type):
                continue
            try:
                with ev.open_file(f) as handle:
                    taken = photos.taken_at(handle)
            except OSError:
                continue
            if taken is None:
                continue
            if c.claimed_at and taken > c.claimed_at + tolerance:
                why = f"拍摄于{fmt_moment(taken)}，晚于声称完成时间{fmt_moment(c.claimed_at)}"
            elif c.started_at and taken < c.started_at - tolerance:
                why = f"拍摄于{fmt_moment(taken)}，早于事项交办时间{fmt_moment(c.started_at)}"
            else:
                continue
            out.append(Found(SignalKind.PHOTO_TIME, f"photo_time:{c.key}:{fid}", c.ref.unit_id,
                             f"{c.ref.label}：佐证照片“{f.original_name}”{why}", taken,
                             [{"text": f"照片“{f.original_name}”（SM3 {f.sm3[:16]}…）的拍摄时间（EXIF）{why}",
                               "url": c.ref.url}]))
    return out


def reused_files(all_feeds, since) -> list:
    hashes = list(EvidenceFile.objects.filter(uploaded_at__gte=since).values("sm3").annotate(n=Count("id"))
                  .filter(n__gt=1).values_list("sm3", flat=True))
    if not hashes:
        return []
    files = list(EvidenceFile.objects.filter(sm3__in=hashes).order_by("uploaded_at"))
    holders = {}
    for feed in all_feeds:
        for fid, rows in feed.file_holders([str(f.pk) for f in files]).items():
            holders.setdefault(fid, []).extend(rows)
    out = []
    by_hash = {}
    for f in files:
        by_hash.setdefault(f.sm3, []).append(f)
    for sm3, group in by_hash.items():
        records = {}
        for f in group:
            for key, ref in holders.get(str(f.pk), []):
                records.setdefault(key, (ref, f))
        if len(records) < 2:
            continue
        refs = list(records.values())
        units = {ref.unit_id for ref, _ in refs}
        first = refs[0][0]
        out.append(Found(
            SignalKind.REUSED_FILE, f"reused_file:{sm3}", first.unit_id,
            f"同一份佐证材料（“{refs[0][1].original_name}”）用于{len(records)}项不同事项"
            + ("，涉及不同单位" if len(units) > 1 else ""), refs[-1][1].uploaded_at,
            [{"text": f"{ref.label}：“{f.original_name}”，SM3 {sm3[:16]}…", "url": ref.url} for ref, f in refs]))
    return out


def typed_moments(all_feeds, since, tolerance) -> list:
    out = []
    for feed in all_feeds:
        for t in feed.typed_moments(since):
            if t.recorded_at < since or t.recorded_at - t.typed_at <= tolerance:
                continue
            if t.due_at is None or not (t.typed_at <= t.due_at < t.recorded_at):
                continue
            gap = t.recorded_at - t.typed_at
            out.append(Found(
                SignalKind.TYPED_MOMENT, f"typed_moment:{t.key}", t.ref.unit_id,
                f"{t.ref.label}：填报的{t.what}{fmt_moment(t.typed_at)}比系统记录时间{fmt_moment(t.recorded_at)}"
                f"早{_fmt_gap(gap)}，{t.clock_label}据此判为按时", t.typed_at,
                [{"text": f"{t.what}（填报）{fmt_moment(t.typed_at)}；系统记录 {fmt_moment(t.recorded_at)}；"
                          f"时限截止 {fmt_moment(t.due_at)}", "url": t.ref.url},
                 {"text": f"审计日志对象 {t.object_type}#{t.object_id}", "url": ""}]))
    return out


def copied_texts(all_feeds, since, judged_since=None) -> list:
    """Progress reports or close-out texts in (nearly) the same words as an
    earlier one: of another unit (copied between units) or of the same unit
    (repeated from an earlier report). The texts of one kind are compared
    with each other through duban.neardup's index (character bigrams,
    MinHash/LSH; candidates verified by edit-distance similarity), within
    the batch and without storing them; texts shorter than
    `copied_min_chars` (after normalising) are left out. Every text since
    `since` may be the original; only those written from `judged_since` on
    (after the history was loaded) are judged."""
    from duban.neardup import engine

    from .services import number

    ratio = number("copied_ratio_pct", 85) / 100
    shortest = number("copied_min_chars", 20)
    texts = {}
    items = []
    for feed in all_feeds:
        for t in feed.texts(since):
            norm = engine.normalize(t.text)
            if len(norm) < shortest:
                continue
            texts[t.key] = t
            items.append((t, norm))
    items.sort(key=lambda x: (x[0].at, x[0].key))
    batch = [(f"accountability.scan:{t.namespace}", t.key, norm) for t, norm in items]
    out = []
    for (t, _), matches in zip(items, engine.find_many(batch, ratio=ratio, normalized=True, within=True),
                               strict=True):
        earlier = [(texts[m.key], m.ratio) for m in matches if m.key in texts and texts[m.key].at <= t.at]
        if not earlier or (judged_since is not None and t.at < judged_since):
            continue
        other_units = [(e, r) for e, r in earlier if e.ref.unit_id != t.ref.unit_id]
        how = "与其他单位的反馈雷同" if other_units else "与本单位此前的反馈重复"
        shown = other_units or earlier
        evidence = [{"text": f"{t.ref.label}（{fmt_moment(t.at)}）：{t.text[:80]}", "url": t.ref.url}]
        evidence += [{"text": f"相似度{round(r * 100)}%：{e.ref.label}（{fmt_moment(e.at)}）：{e.text[:80]}",
                      "url": e.ref.url} for e, r in shown[:5]]
        out.append(Found(SignalKind.COPIED, f"copied:{t.key}", t.ref.unit_id,
                         f"{t.ref.label}：{how}（相似度{round(max(r for _, r in shown) * 100)}%）", t.at, evidence))
    return out

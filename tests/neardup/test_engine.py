"""RECT-6: the near-duplicate index (duban.neardup) gives the answers of
the exact rule, through indexed band keys instead of a scan."""

import subprocess
import sys

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from duban.neardup import engine
from duban.neardup.models import Band, IndexedText

from .pairs import labelled_pairs

pytestmark = pytest.mark.django_db

RATIO = 0.85


def test_rect6_index_agrees_with_the_exact_rule_on_2400_labelled_pairs():
    pairs = labelled_pairs(2400)
    engine.put_many([(f"pairs:{i}", "a", a) for i, (_, a, _) in enumerate(pairs)])
    found = engine.find_many([(f"pairs:{i}", "b", b) for i, (_, _, b) in enumerate(pairs)], ratio=RATIO)
    kinds, misses = {}, []
    for (kind, a, b), matches in zip(pairs, found, strict=True):
        exact = engine.exact_similar(engine.normalize(a), engine.normalize(b), RATIO)
        indexed = [m.key for m in matches] == ["a"]
        total, positive = kinds.get(kind, (0, 0))
        kinds[kind] = (total + 1, positive + exact)
        if exact != indexed:
            misses.append((kind, exact, a, b))
    agreement = 1 - len(misses) / len(pairs)
    report = "\n".join(f"  {kind}: exact={exact} index={not exact} | {a} | {b}" for kind, exact, a, b in misses)
    print(f"\nagreement {agreement:.2%} on {len(pairs)} pairs ({kinds}); misses:\n{report}")
    assert agreement >= 0.99, report
    # The set holds every kind, and repeats on both sides of the line.
    assert kinds["repeat"][1] > 700 and 100 < kinds["near_miss"][1] < 700 and kinds["unrelated"][1] == 0
    # Every miss is a repeat the index did not propose: what it proposes, the exact rule confirms.
    assert all(exact for _, exact, _, _ in misses)


def test_rect6_put_find_replace_remove_and_namespaces():
    engine.put("unit:1", 10, "重点项目审批拖延，群众反映办事慢")
    engine.put("unit:1", 11, "会议过多，以会议落实会议")
    engine.put("unit:2", 20, "重点项目审批拖延，群众反映办事慢")
    hits = engine.find("unit:1", " 重点项目审批拖延,群众反映办事很慢。", ratio=RATIO)
    assert [m.key for m in hits] == ["10"] and 0.85 <= hits[0].ratio < 1
    assert [m.key for m in engine.find("unit:1", "重点项目审批拖延，群众反映办事慢", ratio=RATIO,
                                       exclude=[10])] == []
    # Short texts are the same only when equal.
    engine.put("unit:1", 12, "审批慢")
    assert [m.key for m in engine.find("unit:1", "ＡＢＣ审批慢", ratio=RATIO)] == []
    assert [m.key for m in engine.find("unit:1", "审批，慢！", ratio=RATIO)] == ["12"]
    # Feeding a key again replaces its text; removing takes it out.
    engine.put("unit:1", 10, "食堂检查走过场")
    assert engine.find("unit:1", "重点项目审批拖延，群众反映办事慢", ratio=RATIO) == []
    assert IndexedText.objects.filter(namespace="unit:1", key="10").count() == 1
    engine.remove("unit:1", 10)
    assert engine.find("unit:1", "食堂检查走过场", ratio=RATIO) == []
    assert not Band.objects.filter(text__key="10", text__namespace="unit:1").exists()


def test_rect6_find_many_sees_earlier_items_of_the_batch_in_a_few_queries():
    engine.put_many([(f"u:{i % 5}", i, f"第{i}号问题：重点项目审批拖延，群众反映办事慢") for i in range(50)])
    items = [("u:1", "new1", "重点项目审批拖延群众反映办事很慢"), ("u:1", "new2", "重点项目审批拖延，群众反映办事很慢！"),
             ("u:3", "new3", "完全不同的一件事情")]
    with CaptureQueriesContext(connection) as ctx:
        found = engine.find_many(items, ratio=0.8)
    assert len(ctx.captured_queries) <= 3
    assert "new1" in [m.key for m in found[1]]
    assert {m.key for m in found[0]} <= {str(i) for i in range(1, 50, 5)}
    assert found[2] == []


def test_rect6_band_keys_are_the_same_in_every_process():
    """The rows are read by other processes (web nodes, workers): a text's
    band keys depend on nothing of the process that computed them."""
    text = engine.normalize("重点项目审批拖延，群众反映办事慢")
    here = engine.band_values("t", text)
    code = ("import os, django; os.environ['DJANGO_SETTINGS_MODULE']='duban.settings_test'; django.setup();"
            "from duban.neardup import engine as e; print(e.band_values('t', e.normalize('重点项目审批拖延，群众反映办事慢')))")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"}).stdout.strip()
    assert other == str(here)
    assert len(here) == engine.BANDS + 1


def test_rect6_batch_signatures_are_datasketchs_minhash():
    """The signatures computed for a whole batch with numpy are datasketch's
    MinHash of each text (the band keys already stored stay valid)."""
    import struct

    from datasketch import MinHash

    def one_by_one(ns, norm):
        values = [engine._hash64(ns.encode(), struct.pack("<H", engine._EXACT_BAND), norm.encode())]
        if len(norm) >= engine.MIN_FUZZY_LENGTH:
            m = MinHash(num_perm=engine.NUM_PERM, seed=engine._SEED, scheme="affine32")
            m.update_batch([s.encode() for s in {norm[i:i + engine.SHINGLE] for i in range(len(norm) - 1)}])
            for band in range(engine.BANDS):
                chunk = m.hashvalues[band * engine.BAND_ROWS:(band + 1) * engine.BAND_ROWS]
                values.append(engine._hash64(ns.encode(), struct.pack("<H", band), chunk.tobytes()))
        return tuple(values)

    texts = [engine.normalize(t) for _, a, b in labelled_pairs(300) for t in (a, b)] + ["", "甲", "甲乙丙", "甲乙丙丁"]
    items = [(f"u:{i % 3}", t) for i, t in enumerate(texts)]
    assert engine.band_values_many(items) == [one_by_one(ns, t) for ns, t in items]

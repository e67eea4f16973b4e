"""Near-duplicate short Chinese texts, found through an index (RECT-6; the
copied-feedback and repeated-complaint signals reuse it).

The rule the index answers is the exact one: two normalised texts are the
same when equal, or (both 4 characters or longer) when their edit
similarity is at least `ratio` (`exact_similar`: difflib's ratio, the
rule the ledger has always used). Comparing a new text with every earlier
one is what made registering a problem slow; instead

- every text is fed (`put`) under a namespace and a key. Its MinHash
  signature over 2-character shingles (datasketch) is cut into LSH bands;
  each band's hash is a row (models.Band) with an index, and equal texts
  share one more row, the hash of the whole text;
- a lookup (`find`, `find_many`) ranks the texts that share at least one
  band with the new one by the number of bands they share (an indexed
  `IN` with a count, on any database, from any process: the count
  estimates the similarity of the shingle sets), reads the CANDIDATES
  best and verifies each with rapidfuzz's normalised Indel similarity
  (`near`), the same measure as difflib's ratio computed exactly
  (2·LCS / total length) in C++. Whatever the size of the namespace, a
  lookup verifies at most CANDIDATES texts.

Why 2-character shingles, 20 bands of 2 rows: a ratio of 0.85 on a
30-character text leaves room for four scattered edits, which spoil up to
eight of its bigrams: the Jaccard similarity of the two bigram sets can be
as low as about 0.4. With bands of 2 rows such a pair shares a band with
probability 1 − (1 − 0.4²)²⁰ ≈ 0.97, at 0.5 above 0.99; unrelated texts
that share a few bigrams become candidates now and then, and the
verification drops them. tests/neardup measures the agreement with the
exact rule on labelled pairs and names the misses.

The signature depends on SCHEME (its numbers and datasketch's hashing); a
new scheme means reindexing (a migration feeding the callers' rows again), never a silent
mix: rows carry their scheme and lookups read only the current one.
"""

import difflib
import hashlib
import struct
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from operator import itemgetter

import numpy as np
from datasketch import MinHash
from datasketch.hashfunc import sha1_hash32
from django.db import connections, router, transaction
from django.db.models import Count
from rapidfuzz.distance import Indel

from duban.core.batch import builder, create_rows, insert_values

from .models import Band, IndexedText

SCHEME = 1
NUM_PERM = 40
BAND_ROWS = 2
BANDS = NUM_PERM // BAND_ROWS
SHINGLE = 2
MIN_FUZZY_LENGTH = 4  # shorter texts are the same only when equal
_SEED = 20261207
_EXACT_BAND = 0xFFFF

# The most candidates one lookup verifies: those sharing the most bands.
CANDIDATES = 100

# The number of values one `IN (…)` carries: under SQLite's default limit of
# host parameters (999 before 3.32) with room for the rest of the statement.
CHUNK = 900


class _Dropped(dict):
    """str.translate's table for `normalize`: each character seen is looked
    up once (whitespace, punctuation and symbols map to None, the rest to
    themselves) and remembered, so that a batch of texts is filtered in C."""

    def __missing__(self, code):
        ch = chr(code)
        self[code] = None if ch.isspace() or unicodedata.category(ch)[0] in "PSZ" else code
        return self[code]


_DROPPED = _Dropped()


def normalize(text: str) -> str:
    """A text as compared: half-width (NFKC), lower case, without
    whitespace, punctuation and symbols."""
    return unicodedata.normalize("NFKC", text or "").lower().translate(_DROPPED)


def exact_similar(a: str, b: str, ratio: float) -> bool:
    """The reference rule on two normalised texts: equal, or (both at least
    MIN_FUZZY_LENGTH long) difflib's ratio of at least `ratio`."""
    if not a or not b:
        return False
    if a == b:
        return True
    if min(len(a), len(b)) < MIN_FUZZY_LENGTH:
        return False
    m = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return m.real_quick_ratio() >= ratio and m.quick_ratio() >= ratio and m.ratio() >= ratio


def near(a: str, b: str, ratio: float) -> float | None:
    """The verification of a candidate: the similarity of two normalised
    texts when they are the same under `exact_similar`, else None.

    rapidfuzz's Indel similarity (2·LCS / total length, C++) decides first:
    difflib's ratio counts matching blocks, never more than the longest
    common subsequence, so a pair below `ratio` there is below it in difflib
    too and is dropped at C++ speed. The few pairs that reach it are
    confirmed by the exact rule itself, so that the index answers what the
    exact rule answers, up to the candidates LSH does not propose."""
    if not a or not b:
        return None
    if a == b:
        return 1.0
    if min(len(a), len(b)) < MIN_FUZZY_LENGTH:
        return None
    score = Indel.normalized_similarity(a, b, score_cutoff=ratio)
    if score < ratio or not exact_similar(a, b, ratio):
        return None
    return score


@lru_cache(maxsize=1)
def _permutations():
    return MinHash(num_perm=NUM_PERM, seed=_SEED, scheme="affine32").permutations


def _hash64(*parts: bytes) -> int:
    h = hashlib.blake2b(digest_size=8)
    for part in parts:
        h.update(part)
    return struct.unpack("<q", h.digest())[0]


# The 32-bit hash of a shingle (datasketch's default hash function, SHA-1's
# first four bytes), remembered: the bigrams of a county's texts repeat.
_SHINGLE_HASHES: dict = {}


def _shingle_hash(shingle: str) -> int:
    h = _SHINGLE_HASHES.get(shingle)
    if h is None:
        if len(_SHINGLE_HASHES) > 200_000:
            _SHINGLE_HASHES.clear()
        h = _SHINGLE_HASHES[shingle] = sha1_hash32(shingle.encode("utf-8"))
    return h


def _signatures(norms) -> list:
    """The MinHash signatures (uint32 arrays of NUM_PERM) of many normalised
    texts (each MIN_FUZZY_LENGTH long or more) at once: the same values as
    datasketch's MinHash.update_batch over each text's set of shingles
    (scheme affine32: the shingle's 32-bit hash, MurmurHash3's finalizer,
    then a·h + b mod 2³², the minimum per permutation), computed with numpy
    over the whole batch instead of one MinHash object a text."""
    hashes, starts = [], []
    known = _SHINGLE_HASHES.get
    for norm in norms:
        starts.append(len(hashes))
        shingles = {norm[i:i + SHINGLE] for i in range(len(norm) - SHINGLE + 1)}
        found = list(map(known, shingles))  # the remembered hashes, looked up in C
        if None in found:
            found = [_shingle_hash(s) for s in shingles]
        hashes.extend(found)
    if not norms:
        return []
    a, b = _permutations()
    hv = np.array(hashes, dtype=np.uint32)
    hv ^= hv >> np.uint32(16)
    hv *= np.uint32(0x85EBCA6B)
    hv ^= hv >> np.uint32(13)
    hv *= np.uint32(0xC2B2AE35)
    hv ^= hv >> np.uint32(16)
    # A few hundred texts at a time: the products of the whole batch (a
    # shingle's hash by NUM_PERM permutations) would be tens of megabytes
    # of fresh memory, slower to fill than the cache-sized pieces.
    starts.append(len(hashes))
    out = []
    for i in range(0, len(norms), _SIGNATURE_PIECE):
        first, last = starts[i], starts[min(i + _SIGNATURE_PIECE, len(norms))]
        phv = hv[first:last].reshape(-1, 1) * a
        phv += b
        offsets = np.array(starts[i:min(i + _SIGNATURE_PIECE, len(norms))], dtype=np.intp) - first
        out.extend(np.minimum.reduceat(phv, offsets, axis=0))
    return out


_SIGNATURE_PIECE = 256


def _values_of(ns: str, norm: str, signature) -> tuple[int, ...]:
    """The rows of `band_values` (the hashes `_hash64` computes), from
    hashers already fed the namespace and the band number; the digests
    read as signed 64-bit integers all at once."""
    prefixes = _prefixes(ns)
    h = prefixes[0].copy()
    h.update(norm.encode("utf-8"))
    digests = [h.digest()]
    if signature is not None:
        raw = signature.tobytes()
        step = BAND_ROWS * signature.itemsize
        for band, start in enumerate(range(0, BANDS * step, step), start=1):
            h = prefixes[band].copy()
            h.update(raw[start:start + step])
            digests.append(h.digest())
    return struct.unpack(f"<{len(digests)}q", b"".join(digests))


@lru_cache(maxsize=1024)
def _prefixes(ns: str) -> list:
    """blake2b hashers fed (namespace, band number): the whole text's band
    first, then the LSH bands in order."""
    out = []
    for band in (_EXACT_BAND, *range(BANDS)):
        h = hashlib.blake2b(digest_size=8)
        h.update(ns.encode("utf-8"))
        h.update(struct.pack("<H", band))
        out.append(h)
    return out


@lru_cache(maxsize=8192)
def band_values(namespace: str, norm: str) -> tuple[int, ...]:
    """The index rows of a normalised text: one per LSH band (texts of
    MIN_FUZZY_LENGTH or more), and one for the whole text."""
    return band_values_many([(namespace, norm)])[0]


# The rows of the texts of the last batches: an import looks its rows up
# (preview, then the write) and feeds them, three times the same texts.
_RECENT: dict = {}
_RECENT_MAX = 30_000


def band_values_many(items) -> list[tuple[int, ...]]:
    """`band_values` of many (namespace, normalised text) at once, the
    signatures computed together (`_signatures`)."""
    items = list(items)
    todo = list(dict.fromkeys(item for item in items if item not in _RECENT))
    if todo:
        fuzzy = [norm for _, norm in todo if len(norm) >= MIN_FUZZY_LENGTH]
        signatures = iter(_signatures(fuzzy))
        if len(_RECENT) + len(todo) > _RECENT_MAX:
            _RECENT.clear()
        for ns, norm in todo:
            _RECENT[(ns, norm)] = _values_of(ns, norm, next(signatures) if len(norm) >= MIN_FUZZY_LENGTH else None)
    found = [_RECENT.get(item) for item in items]
    if any(v is None for v in found):  # more new texts than the memory holds
        fuzzy = [norm for _, norm in items if len(norm) >= MIN_FUZZY_LENGTH]
        signatures = iter(_signatures(fuzzy))
        return [_values_of(ns, norm, next(signatures) if len(norm) >= MIN_FUZZY_LENGTH else None)
                for ns, norm in items]
    return found


@dataclass(frozen=True)
class Match:
    key: str
    ratio: float


def _chunks(seq, size=CHUNK):
    seq = list(seq)
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


def _any_of(connection, column, values):
    """(condition, parameters) pairs that together select the rows whose
    `column` (quoted) is one of `values` (integers): on PostgreSQL one
    `= ANY(array)` -- the driver binds its parameters on the client, and
    splitting and quoting hundreds of `IN (%s, …)` statements of 900
    values cost it more than the server's answers --, elsewhere `IN`
    lists of CHUNK values."""
    if connection.vendor == "postgresql":
        values = list(values)
        if values:
            yield f"{column} = ANY(%s)", [values]
        return
    for chunk in _chunks(values):
        yield f"{column} IN ({', '.join(['%s'] * len(chunk))})", chunk


def _write(rows):
    """rows: [(namespace, key, norm, values)] inserted in bulk; the band rows
    (twenty-odd a text) several hundred a statement, without model
    instances, in the order of their values: the index on the values then
    takes them as one sweep through its pages instead of a page looked up
    for every row (SQLite wrote 210,000 rows in less than half the time)."""
    if not rows:
        return
    new_text = builder(IndexedText)
    texts = create_rows([new_text(namespace=ns, key=key, text=norm, scheme=SCHEME) for ns, key, norm, _ in rows])
    if any(t.pk is None for t in texts):  # a database that returns no ids on bulk insert
        for t in texts:
            t.pk = IndexedText.objects.get(namespace=t.namespace, key=t.key).pk
    bands = [(t.pk, v) for t, (_, _, _, values) in zip(texts, rows, strict=True) for v in values]
    bands.sort(key=itemgetter(1))
    insert_values(connections[router.db_for_write(Band)], Band._meta.db_table, ["text_id", "value"], bands)


def put(namespace: str, key, text: str, *, normalized: bool = False) -> str:
    """Feed (or replace) the text of `key` in `namespace`; in the caller's
    transaction. Returns the normalised text."""
    return put_many([(namespace, key, text)], normalized=normalized)[0]


def put_many(items, *, normalized: bool = False, fresh: bool = False) -> list[str]:
    """Feed many (namespace, key, text) at once: old rows of those keys are
    replaced (`fresh`: the caller knows there are none, e.g. keys of rows
    it has just inserted). Returns the normalised texts in order."""
    items = [(ns, str(key), text if normalized else normalize(text)) for ns, key, text in items]
    with transaction.atomic():
        by_ns = {}
        for ns, key, _ in items if not fresh else ():
            by_ns.setdefault(ns, []).append(key)
        for ns, keys in by_ns.items():
            for chunk in _chunks(keys):
                Band.objects.filter(text__namespace=ns, text__key__in=chunk).delete()
                IndexedText.objects.filter(namespace=ns, key__in=chunk).delete()
        _write([(ns, key, norm, values) for (ns, key, norm), values in
                zip(items, band_values_many([(ns, norm) for ns, _, norm in items]), strict=True)])
    return [norm for _, _, norm in items]


def remove(namespace: str, key) -> None:
    """Take the text of `key` out of `namespace` (nothing when absent)."""
    IndexedText.objects.filter(namespace=namespace, key=str(key)).delete()


def remove_namespace(namespace: str) -> None:
    IndexedText.objects.filter(namespace=namespace).delete()


def _ranked(counts: dict, limit: int) -> list:
    """The candidates sharing the most bands first (ties: the earlier
    key), at most `limit` of them."""
    if len(counts) <= limit:
        return list(counts)
    return sorted(counts, key=lambda k: (-counts[k], k))[:limit]


def _stored(namespace, values, limit) -> dict:
    """{key: normalised text} of the stored texts of `namespace` that share
    the most of the band `values` (at least one), at most `limit`: the
    number of shared bands estimates the similarity of the two shingle
    sets, so the true repeats come first; the rest are not read."""
    ids = (Band.objects.filter(value__in=list(set(values))).values("text_id").annotate(n=Count("id"))
           .order_by("-n", "text_id").values("text_id")[:limit])
    return dict(IndexedText.objects.filter(pk__in=ids, namespace=namespace, scheme=SCHEME).values_list("key", "text"))


def find(namespace: str, text: str, *, ratio: float, exclude=(), normalized: bool = False,
         limit: int = CANDIDATES) -> list[Match]:
    """The stored texts of `namespace` similar to `text` (best first). Two
    queries, whatever the size of the namespace; at most `limit` candidates
    are verified."""
    norm = text if normalized else normalize(text)
    if not norm:
        return []
    skip = {str(k) for k in exclude}
    out = []
    for key, other in _stored(namespace, band_values(namespace, norm), limit + len(skip)).items():
        if key in skip:
            continue
        score = near(norm, other, ratio)
        if score is not None:
            out.append(Match(key, score))
    return sorted(out, key=lambda m: (-m.ratio, m.key))


def find_many(items, *, ratio: float, normalized: bool = False, within: bool = True,
              limit: int = CANDIDATES) -> list[list[Match]]:
    """For each (namespace, key, text) of a batch, in order: the similar
    texts stored in the index and (`within`) the similar texts of earlier
    items of the same namespace in the batch, each from at most `limit`
    candidates sharing the most bands. A few queries for the whole batch,
    whatever its size; nothing is written (`put_many` feeds the batch
    afterwards)."""
    prepared = [(ns, str(key), text if normalized else normalize(text)) for ns, key, text in items]
    signed = iter(band_values_many([(ns, norm) for ns, _, norm in prepared if norm]))
    prepared = [(ns, key, norm, next(signed) if norm else ()) for ns, key, norm in prepared]
    # The stored texts sharing a band with the batch: band value → text ids
    # (the namespace is part of the value), then the texts of the
    # candidates each item ranks highest. Plain SQL: the ORM's compilation
    # of tens of `IN` lists of 900 costs more than the database's answer.
    owners = {}
    connection = connections[router.db_for_read(Band)]
    quote = connection.ops.quote_name
    # In the values' order: each statement then reads one stretch of the
    # index, and the statements walk it once from end to end (SQLite read
    # the bands in half the time as when the values came in random order).
    wanted_values = sorted({v for _, _, _, values in prepared for v in values})
    with connection.cursor() as cur:
        for condition, params in _any_of(connection, quote("value"), wanted_values):
            cur.execute(f"SELECT {quote('value')}, {quote('text_id')} FROM {quote(Band._meta.db_table)} "
                        f"WHERE {condition}", params)
            for value, text_id in cur.fetchall():
                owners.setdefault(value, []).append(text_id)
    chosen, wanted = [], set()
    for _, _, _, values in prepared:
        # Counted in C, in the order first seen, as a loop would count.
        counts = Counter(chain.from_iterable([owners[v] for v in values if v in owners]))
        top = _ranked(counts, limit)
        chosen.append(top)
        wanted.update(top)
    stored = {}
    with connection.cursor() as cur:
        for condition, params in _any_of(connection, quote("id"), sorted(wanted)):
            cur.execute(f"SELECT {quote('id')}, {quote('namespace')}, {quote('key')}, {quote('text')} "
                        f"FROM {quote(IndexedText._meta.db_table)} WHERE {quote('scheme')} = %s "
                        f"AND {condition}", [SCHEME, *params])
            for pk, ns, key, text in cur.fetchall():
                stored[pk] = (ns, key, text)
    out = []
    batch_bands, batch_text = {}, {}
    for (ns, key, norm, values), top in zip(prepared, chosen, strict=True):
        matches = {}
        if norm:
            for text_id in top:
                other_ns, other, text = stored.get(text_id, (None, None, None))
                if other_ns == ns and other != key:
                    score = near(norm, text, ratio)
                    if score is not None:
                        matches[other] = score
            if within:
                bands = [(ns, v) for v in values]
                earlier = [batch_bands[b] for b in bands if b in batch_bands]
                for other in _ranked(Counter(chain.from_iterable(earlier)), limit) if earlier else ():
                    if other != key:
                        score = near(norm, batch_text[(ns, other)], ratio)
                        if score is not None:
                            matches[other] = max(score, matches.get(other, 0))
                for b in bands:
                    batch_bands.setdefault(b, []).append(key)
                batch_text[(ns, key)] = norm
        out.append(sorted((Match(k, s) for k, s in matches.items()), key=lambda m: (-m.ratio, m.key)))
    return out

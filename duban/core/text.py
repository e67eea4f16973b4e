"""Text helpers shared by the apps that compare what people wrote."""

import difflib
import unicodedata


def normalize_text(text: str) -> str:
    """A text as compared for repeats: half-width, lower case, without
    whitespace, punctuation and symbols."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch)[0] not in "PSZ")


def similar(a: str, b: str, ratio: float) -> bool:
    """Two normalised texts say the same: equal, or (for texts of 4
    characters or more) a difflib ratio of at least `ratio`."""
    if not a or not b:
        return False
    if a == b:
        return True
    if min(len(a), len(b)) < 4:
        return False
    m = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return m.real_quick_ratio() >= ratio and m.quick_ratio() >= ratio and m.ratio() >= ratio

"""Document numbers without gaps: the next number of a series in a year."""

from django.db import transaction

from .models import SerialCounter


def take(series: str, year: int) -> int:
    """The next number of `series` in `year` (1, 2, …). Inside the caller's
    transaction, which holds the counter's row until it commits: a number
    given to a write that then fails is given again to the next one."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("serials.take must run inside a transaction (transaction.atomic)")
    SerialCounter.objects.get_or_create(series=series, year=year)
    counter = SerialCounter.objects.select_for_update().get(series=series, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def take_many(series: str, year: int, count: int) -> int:
    """`count` consecutive numbers of `series` in `year` at once (a batch
    import); returns the first. Same transaction rule as `take`."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("serials.take_many must run inside a transaction (transaction.atomic)")
    SerialCounter.objects.get_or_create(series=series, year=year)
    counter = SerialCounter.objects.select_for_update().get(series=series, year=year)
    first = counter.last + 1
    counter.last += count
    counter.save(update_fields=["last"])
    return first

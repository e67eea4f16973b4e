"""Batch writes (imports): a failure names the item it happened on."""


class ItemFailed(Exception):
    """Item `index` (0-based, in the order given) of a batch write failed
    with `error` (a ValidationError). Raised inside the batch's transaction,
    so that nothing of the batch is written; the caller names the item (an
    import names its spreadsheet row)."""

    def __init__(self, index, error):
        super().__init__(index, error)
        self.index, self.error = index, error

from django.apps import AppConfig


class RectificationConfig(AppConfig):
    name = "duban.rectification"
    verbose_name = "作风整治"
    record_feed = "duban.rectification.feed.feed"  # duban.core.feeds: for accountability and integrity reviews

    def ready(self):
        # A breached periodic report clock of a long-term problem starts the
        # next period's clock (so every silent period is its own breach).
        from duban.notify.services import flips_processed

        from .services import on_flips_processed

        flips_processed.connect(on_flips_processed, dispatch_uid="duban.rectification.periodic")

        # Large ledgers import in the background worker (duban.core.imports).
        from duban.core import imports

        from .excel import run_import_job

        imports.register("rectification.ledger", run_import_job)

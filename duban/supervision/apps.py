from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "duban.supervision"
    verbose_name = "督查督办"
    home_cards = "duban.supervision.home.cards"
    # Figures for the assessment and the dashboards (duban.core.assessing).
    assessment_sources = "duban.supervision.assessing.sources"
    record_feed = "duban.supervision.feed.feed"  # duban.core.feeds: for accountability and integrity reviews

    def ready(self):
        # Automatic urges from the warnings and breaches of matters' clocks:
        # duban.notify sends this signal inside the transaction that turns
        # a batch of flips into messages.
        from duban.notify.services import flips_processed

        from .services import on_flips_processed

        flips_processed.connect(on_flips_processed, dispatch_uid="duban.supervision.auto_urge")

        # A calendar or rule change that moves a matter's deadline moves it
        # in the lists too (Matter.open_due_at).
        from duban.clocks.services import clock_moved

        from .services import on_clock_moved

        clock_moved.connect(on_clock_moved, dispatch_uid="duban.supervision.clock_moved")

        # 特急 matters' messages reach phones in quiet hours too (OUT-1).
        from duban.notify.services import register_urgency

        from .services import extra_urgent_clocks

        register_urgency(extra_urgent_clocks)

        # Large matter imports run in the background worker (duban.core.imports).
        from duban.core import imports

        from .ledger import run_import_job

        imports.register("supervision.matters", run_import_job)

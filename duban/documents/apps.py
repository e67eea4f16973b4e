from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "duban.documents"
    verbose_name = "公文办理"
    home_cards = "duban.documents.home.cards"

    def ready(self):
        # A calendar or rule change that moves a document's deadline moves
        # its place in the lists too (Document.open_due_at).
        from duban.clocks.services import clock_moved

        from .services import on_clock_moved

        clock_moved.connect(on_clock_moved, dispatch_uid="duban.documents.clock_moved")

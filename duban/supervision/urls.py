from django.urls import path

from . import views

app_name = "supervision"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("export/", views.export_unit, name="export_unit"),
    path("all/", views.office_list, name="office"),
    path("all/export/", views.export_office, name="export_office"),
    path("leader/", views.leader_list, name="leader"),
    path("leader/export/", views.export_leader, name="export_leader"),
    path("views/save/", views.save_view, name="save_view"),
    path("views/<int:pk>/delete/", views.delete_view, name="delete_view"),
    path("new/", views.create_matter, name="create"),
    path("meeting/", views.meeting_decisions, name="meeting"),
    path("import/", views.import_matters, name="import"),
    path("import/template/", views.import_template, name="import_template"),
    path("<int:pk>/", views.matter_detail, name="matter"),
    path("<int:pk>/edit/", views.edit_matter, name="edit"),
    path("<int:pk>/act/<str:action>/", views.matter_action, name="act"),
    path("<int:pk>/notice.docx", views.notice_docx, name="notice_docx"),
    path("urges/<int:pk>/sheet.docx", views.urge_docx, name="urge_docx"),
    path("files/<uuid:file_id>/", views.evidence_file, name="evidence"),
]

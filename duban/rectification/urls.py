from django.urls import path

from . import views

app_name = "rectification"
urlpatterns = [
    path("", views.campaigns, name="campaigns"),
    path("new/", views.create_campaign, name="create_campaign"),
    path("<int:pk>/", views.campaign, name="campaign"),
    path("<int:pk>/units/", views.add_units, name="add_units"),
    path("<int:pk>/dashboard.xlsx", views.dashboard_xlsx, name="dashboard_xlsx"),
    path("<int:pk>/report.docx", views.report_docx, name="report_docx"),
    path("<int:pk>/problems/", views.problems, name="problems"),
    path("<int:pk>/problems/new/", views.new_problem, name="new_problem"),
    path("<int:pk>/problems/export/", views.export, name="export"),
    path("<int:pk>/problems/publish/", views.publish, name="publish"),
    path("<int:pk>/import/", views.import_ledger, name="import"),
    path("<int:pk>/import/template/", views.import_template, name="import_template"),
    path("<int:pk>/lookbacks/", views.look_backs, name="look_backs"),
    path("<int:pk>/spotchecks/", views.spot_checks, name="spot_checks"),
    path("<int:pk>/repeated/", views.repeated, name="repeated"),
    path("submissions/<int:pk>/", views.submission, name="submission"),
    path("problems/<int:pk>/", views.problem, name="problem"),
    path("problems/<int:pk>/act/<str:action>/", views.problem_action, name="act"),
    path("lookbacks/<int:pk>/", views.look_back, name="look_back"),
    path("lookbacks/items/<int:pk>/", views.record_look_back, name="record_look_back"),
    path("spotchecks/<int:pk>/", views.spot_check, name="spot_check"),
    path("spotchecks/<int:pk>/findings/", views.record_finding, name="record_finding"),
    path("files/<uuid:file_id>/", views.evidence_file, name="evidence"),
]

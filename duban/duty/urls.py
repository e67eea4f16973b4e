from django.urls import path

from . import views

app_name = "duty"
urlpatterns = [
    path("", views.screen, name="screen"),
    path("live/", views.screen_live, name="live"),
    path("roster/", views.roster, name="roster"),
    path("incidents/new/", views.report_incident, name="report"),
    path("incidents/<int:pk>/", views.incident, name="incident"),
    path("incidents/<int:pk>/phone/", views.record_phone, name="phone"),
    path("incidents/<int:pk>/reports/", views.write_report, name="write"),
    path("reports/<int:pk>/revise/", views.revise_report, name="revise"),
    path("reports/<int:pk>/sign/", views.sign_report, name="sign"),
    path("bulletins/", views.bulletins, name="bulletins"),
    path("bulletins/new/", views.bulletin_new, name="bulletin_new"),
    path("bulletins/<int:pk>/", views.bulletin, name="bulletin"),
    path("bulletins/<int:pk>/edit/", views.bulletin_edit, name="bulletin_edit"),
    path("bulletins/<int:pk>/issue/", views.bulletin_issue, name="bulletin_issue"),
    path("bulletins/<int:pk>/word.docx", views.bulletin_docx, name="bulletin_docx"),
    path("items/<int:pk>/instruct/", views.record_instruction, name="instruct"),
]

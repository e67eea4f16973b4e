from django.urls import path

from . import views

app_name = "assessment"
urlpatterns = [
    path("", views.index, name="index"),
    path("periods/<int:pk>/", views.period, name="period"),
    path("periods/<int:pk>/compute/", views.compute, name="compute"),
    path("periods/<int:pk>/publish/", views.publish, name="publish"),
    path("periods/<int:pk>/recheck/", views.recheck, name="recheck"),
    path("periods/<int:pk>/results.xlsx", views.results_xlsx, name="results_xlsx"),
    path("results/<int:pk>/", views.result, name="result"),
    path("results/<int:pk>/<str:code>/", views.figure, name="figure"),
    path("records/<str:code>/", views.records, name="records"),
    path("errors/", views.errors, name="errors"),
    path("errors/<int:pk>/", views.error, name="error"),
    path("errors/<int:pk>/object/", views.object_error, name="object_error"),
    path("errors/<int:pk>/decide/", views.decide_error, name="decide_error"),
    path("notices/", views.issue_notice, name="issue_notice"),
    path("notices/<int:pk>/", views.notice, name="notice"),
    path("notices/<int:pk>/notice.docx", views.notice_docx, name="notice_docx"),
    path("people/me/", views.me, name="me"),
    path("people/<int:user_id>/", views.person, name="person"),
    path("achievements/<int:pk>/decide/", views.decide_achievement, name="decide_achievement"),
    path("fieldwork/", views.fieldwork, name="fieldwork"),
    path("fieldwork/<int:user_id>/", views.leader_fieldwork, name="leader_fieldwork"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/leader/", views.leader_dashboard, name="leader_dashboard"),
]

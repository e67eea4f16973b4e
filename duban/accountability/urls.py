from django.urls import path

from . import views

app_name = "accountability"
urlpatterns = [
    path("", views.suggestions, name="suggestions"),
    path("suggestions/<int:pk>/", views.suggestion, name="suggestion"),
    path("suggestions/<int:pk>/<slug:action>/", views.suggestion_act, name="suggestion_act"),
    path("rules/", views.rules, name="rules"),
    path("sheets/", views.sheets, name="sheets"),
    path("sheets/<int:pk>/", views.sheet, name="sheet"),
    path("sheets/<int:pk>/docx/", views.sheet_docx, name="sheet_docx"),
    path("sheets/<int:pk>/<slug:action>/", views.sheet_act, name="sheet_act"),
    path("traces/", views.traces, name="traces"),
    path("traces/<int:pk>/", views.trace, name="trace"),
    path("traces/<int:pk>/docx/", views.trace_docx, name="trace_docx"),
    path("signals/", views.signals, name="signals"),
    path("signals/<int:pk>/dismiss/", views.dismiss, name="dismiss"),
]

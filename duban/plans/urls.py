from django.urls import path

from . import views

app_name = "plans"
urlpatterns = [
    path("", views.plans, name="plans"),
    path("<int:pk>/", views.plan, name="plan"),
    path("<int:pk>/excess/", views.request_excess, name="request_excess"),
    path("excess/<int:pk>/decide/", views.decide_excess, name="decide_excess"),
    path("inspections/", views.inspections, name="inspections"),
    path("inspections/<int:pk>/", views.inspection, name="inspection"),
    path("inspections/<int:pk>/cancel/", views.cancel_inspection, name="cancel_inspection"),
    path("frequency/", views.frequency, name="frequency"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics.xlsx", views.statistics_xlsx, name="statistics_xlsx"),
    path("briefing.docx", views.briefing_docx, name="briefing_docx"),
]

from django.urls import path

from . import views

app_name = "timelimits"
urlpatterns = [
    path("calendar/", views.calendar_list, name="calendar_list"),
    path("calendar/new/", views.calendar_new, name="calendar_new"),
    path("calendar/paste/", views.calendar_paste, name="calendar_paste"),
    path("calendar/import/", views.calendar_import, name="calendar_import"),
    path("calendar/confirm/", views.calendar_confirm, name="calendar_confirm"),
    path("calendar/<int:year>/", views.calendar_year, name="calendar_year"),
    path("calendar/<int:year>/edit/", views.calendar_edit, name="calendar_edit"),
]

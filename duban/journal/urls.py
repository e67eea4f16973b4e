from django.urls import path

from . import views

app_name = "journal"
urlpatterns = [
    path("", views.event_list, name="list"),
    path("export.xlsx", views.export, name="export"),
    path("verify/", views.verify, name="verify"),
    path("<int:seq>/", views.event_detail, name="detail"),
]

from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("", views.received, name="received"),
    path("issued/", views.issued, name="issued"),
    path("received/new/", views.new_received, name="new_received"),
    path("issued/new/", views.new_issued, name="new_issued"),
    path("<int:pk>/", views.document, name="document"),
    path("<int:pk>/<slug:action>/", views.act, name="act"),
]

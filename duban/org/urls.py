from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("units/<int:pk>/", views.unit_detail, name="unit"),
    path("groups/<int:pk>/", views.group_detail, name="group"),
    path("people/<int:pk>/away/", views.away, name="away"),
    path("people/<int:pk>/reveal/<str:field>/", views.reveal, name="reveal"),
]

from django.urls import include, path

from . import views

urlpatterns = [
    path("probe/", views.probe_list),
    path("probe/<int:pk>/", views.probe_detail),
    path("", include("duban.urls")),
]

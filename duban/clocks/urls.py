from django.urls import path

from . import views

app_name = "clocks"
urlpatterns = [
    path("recomputations/", views.recomputation_list, name="recomputations"),
    path("recomputations/<int:pk>/", views.recomputation, name="recomputation"),
]

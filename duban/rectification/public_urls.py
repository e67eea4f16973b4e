"""The public pages without login (PUB-1), mounted at /public/."""

from django.urls import path

from . import views

app_name = "public"
urlpatterns = [
    path("", views.public_campaigns, name="campaigns"),
    path("<str:code>/", views.public_campaign, name="campaign"),
]

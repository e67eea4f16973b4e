"""The public's pages without login (PUB-1 … PUB-3, EVAL-5), mounted at /p/."""

from django.urls import path

from . import public

app_name = "public_portal"
urlpatterns = [
    path("", public.home, name="home"),
    path("complain/", public.complain, name="complain"),
    path("complain/received/", public.received, name="received"),
    path("track/", public.track, name="track"),
    path("track/rate/", public.rate_ticket, name="rate_ticket"),
    path("rate/", public.rate, name="rate"),
    path("cases/", public.cases, name="cases"),
    path("cases/<int:pk>/", public.case, name="case"),
    path("satisfaction/", public.satisfaction, name="satisfaction"),
]

from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.tickets, name="tickets"),
    path("new/", views.ticket_new, name="ticket_new"),
    path("import/", views.ticket_import, name="import"),
    path("tickets/<int:pk>/", views.ticket, name="ticket"),
    path("ratings/", views.ratings, name="ratings"),
    path("ratings/<int:pk>/", views.rating, name="rating"),
    path("codes/", views.codes, name="codes"),
    path("satisfaction/", views.satisfaction, name="satisfaction"),
    path("cases/", views.cases, name="cases"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<int:pk>/", views.case, name="case"),
]

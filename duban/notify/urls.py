from django.urls import path

from . import views

app_name = "notify"
urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/read/", views.mark_read, name="mark_read"),
    path("inbox/read-all/", views.mark_all_read, name="mark_all_read"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:pk>/retry/", views.retry, name="retry"),
    path("channels/", views.endpoints, name="endpoints"),
    path("channels/new/", views.endpoint_new, name="endpoint_new"),
    path("channels/<int:pk>/", views.endpoint_detail, name="endpoint"),
    path("preferences/", views.preferences, name="preferences"),
]

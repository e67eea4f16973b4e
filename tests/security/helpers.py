"""Small helpers shared by the security tests."""

from django.urls import reverse

from duban.journal.models import Event

IP = "203.0.113.7"


def events(action):
    return list(Event.objects.filter(action=action).order_by("seq"))


def login(client, username, password, ip=IP, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session

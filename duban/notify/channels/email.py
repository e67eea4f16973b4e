"""E-mail through Django's mail backend (SMTP by default, see settings)."""

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from .base import Answer, Outgoing, full_link


def connection():
    return get_connection(fail_silently=False, timeout=getattr(settings, "EMAIL_TIMEOUT", None) or 10)


def send(out: Outgoing, conn=None) -> Answer:
    body = out.body
    link = full_link(out.link)
    if link:
        body += "\n\n" + link
    try:
        EmailMessage(out.subject, body, settings.DEFAULT_FROM_EMAIL, [out.address], connection=conn).send()
    except smtplib.SMTPRecipientsRefused as e:
        # The server refuses the address itself: no retry will change that.
        return Answer(ok=False, code="recipient_refused", text=f"{type(e).__name__}: {e}")
    except Exception as e:  # any transport error: retried later
        return Answer(ok=False, code="smtp", text=f"{type(e).__name__}: {e}", retry=True)
    return Answer(ok=True, code="250", text="已交给邮件服务器")

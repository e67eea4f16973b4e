"""Channel adapters: one small module per channel (OUT-1). A robot or SMS
adapter takes an Endpoint row and an Outgoing message and returns the
channel's Answer; `duban.notify.services` decides when to send (limits,
quiet hours, digests) and records every attempt."""

from . import dingtalk, feishu, sms, wecom
from .base import Answer, Outgoing

ADAPTERS = {"wecom": wecom, "dingtalk": dingtalk, "feishu": feishu, "sms": sms}

__all__ = ["ADAPTERS", "Answer", "Outgoing", "send"]


def send(endpoint, out: Outgoing) -> Answer:
    return ADAPTERS[endpoint.kind].send(endpoint, out)

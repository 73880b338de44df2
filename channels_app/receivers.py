"""What channels_app does when a case changes (``cases.signals.case_event_recorded``).

An agent's public reply goes back on the channel it names (``replies.queue_reply``); other
changes the customer can see are emailed as a notification in their language (through the cases
outbox), and so is a reply whose channel has no way back of its own (portal, phone, API). The
shop's webhooks get their events (``shop_webhooks.on_case_event``). Everything is written in the
transaction of the change, so a rolled-back change sends nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from cases.models import Case, CaseEvent, CaseStatus, EventType, NotificationKind
from cases.services import notify_customer
from channels_app import replies, shop_webhooks
from channels_app.portal import send_sms


def should_email(event: CaseEvent) -> bool:
    if not event.public or event.type == EventType.CREATED:
        return False
    if event.type == EventType.REPLY:
        # An agent's written reply, not a phone call logged after the customer heard it.
        return event.data.get("direction") == "out" and "call" not in event.data
    if event.type == EventType.TRANSITION and event.actor_id is None and event.transition in ("approve", "reject"):
        return event.actor_label not in ("", "system")  # made by the policy: the policy event said it
    return event.type in (EventType.POLICY, EventType.TRANSITION, EventType.SHIPMENT, EventType.SURVEY)


def on_case_event(sender, case: Case, event: CaseEvent, **kwargs) -> None:
    shop_webhooks.on_case_event(case=case, event=event)
    if replies.queue_reply(case=case, event=event) is not None:
        return  # answered on its own channel
    if event.type == EventType.SURVEY and not case.customer.email and case.customer.phone:
        text, phone = event.note, case.customer.phone
        transaction.on_commit(lambda: send_sms(phone, text))  # the SMS backend (PORTAL_SMS_BACKEND)
        return
    email_customer(case=case, event=event)


def email_customer(*, case: Case, event: CaseEvent) -> None:
    if not should_email(event):
        return
    link = settings.SITE_URL.rstrip("/") + reverse("portal:case", args=[case.number])

    def render():
        is_step = event.type == EventType.TRANSITION
        what = CaseStatus(event.to_status).label if is_step else EventType(event.type).label
        subject = _("Your request %(case)s: %(what)s") % {"case": case.number, "what": what}
        body = "\n\n".join(
            part
            for part in (
                str(what),
                event.note,
                _("See your request and reply: %(link)s") % {"link": link},
            )
            if part
        )
        return subject, body

    notify_customer(case=case, kind=NotificationKind.CASE_UPDATE, render=render, at=event.created_at)

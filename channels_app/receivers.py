"""The customer hears of every change they can see, by email in their language (through the outbox).

Left out on purpose: the customer's own messages and the "created" event (they just did that), and
an approval or rejection made by the return policy itself, whose ``policy`` event already carries
the decision and its explanation.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from cases.models import Case, CaseEvent, CaseStatus, EventType, NotificationKind
from cases.notifications import notify_customer


def should_email(event: CaseEvent) -> bool:
    if not event.public or event.type == EventType.CREATED:
        return False
    if event.type == EventType.REPLY:
        return event.data.get("direction") == "out"
    if event.type == EventType.TRANSITION and event.actor_id is None and event.transition in ("approve", "reject"):
        return event.actor_label not in ("", "system")  # made by the policy: the policy event said it
    return event.type in (EventType.POLICY, EventType.TRANSITION, EventType.SHIPMENT)


def email_customer(sender, case: Case, event: CaseEvent, **kwargs) -> None:
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

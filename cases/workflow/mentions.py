"""Mentions: ``@username`` in an internal note notifies that agent (a ``mention`` notification).

Only active staff who may see the case are notified (with teams restricting, an agent of another
team is not); names nobody has, or staff who may not see the case, are ignored and listed on the
note's event (``data["mentions"]``: who was notified, ``data["unknown_mentions"]``: who was not), so
the writer sees which names did not reach anyone. The writer is never notified of their own note.
"""

from __future__ import annotations

import re

from django.contrib.auth.models import User
from django.db.models import Q
from django.utils.translation import gettext as _

from cases import selectors
from cases.models import Case, CaseEvent, NotificationKind
from cases.notifications import notify_users
from core import clock

# A username as Django allows it (letters, digits and @.+-_), not ending in a full stop (end of sentence).
MENTION = re.compile(r"(?<![\w@])@([\w.+-]*[\w+-])")
MAX_MENTIONS = 20


def mentioned_names(text: str) -> list[str]:
    """The distinct ``@names`` in ``text``, in the order they appear (at most ``MAX_MENTIONS``)."""
    names: list[str] = []
    for name in MENTION.findall(text or ""):
        if name.lower() not in (n.lower() for n in names):
            names.append(name)
    return names[:MAX_MENTIONS]


def _may_see(user: User, case: Case) -> bool:
    return user.has_perm("cases.view_case") and selectors.can_see(user, case)


def notify_mentions(*, case: Case, event: CaseEvent, actor: User) -> list[User]:
    """Notify the staff the note ``event`` mentions; record on the event who was and who was not."""
    names = mentioned_names(event.note)
    if not names:
        return []
    lookup = Q()
    for name in names:
        lookup |= Q(username__iexact=name)
    found = {u.username.lower(): u for u in User.objects.filter(lookup, is_active=True, is_staff=True)}
    notified = [u for n in names if (u := found.get(n.lower())) is not None and u.pk != actor.pk and _may_see(u, case)]
    unknown = [n for n in names if n.lower() not in found or not _may_see(found[n.lower()], case)]
    writer = actor.get_full_name() or actor.get_username()
    note = event.note
    notify_users(
        users=notified,
        case=case,
        kind=NotificationKind.MENTION,
        render=lambda: (
            _("%(writer)s mentioned you on case %(number)s") % {"writer": writer, "number": case.number},
            note,
        ),
        at=clock.now(),
    )
    event.data = {**event.data, "mentions": [u.username for u in notified], "unknown_mentions": unknown}
    event.save(update_fields=["data"])
    return notified

"""Saved views of the desk queue: save, rename, delete (issue 18).

A view belongs to its owner; a shared one is seen by everyone at the desk and only a user holding
``cases.share_savedview`` (managers) may share one or change a shared one. Its filters are checked
against what the queue accepts (``cases.models.desk``): an unknown key or value is refused, never
saved and silently ignored later.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cases.exceptions import InvalidInput, TransitionForbidden
from cases.models import Tag
from cases.models.desk import DESK_QUEUES, QUEUE_FILTER_FIELDS, SavedView, queue_filter_values

SHARE = "cases.share_savedview"
MAX_VIEWS_PER_OWNER = 30
MAX_SEARCH = 100


def clean_view_filters(raw: Mapping[str, str]) -> dict[str, str]:
    """The filters of a view from the queue's parameters: the queue, the search ``q`` and the
    filters with a value. Raises ``InvalidInput`` naming the first unknown key or value."""
    allowed = queue_filter_values(list(Tag.objects.values_list("name", flat=True)))
    cleaned: dict[str, str] = {}
    for key, value in raw.items():
        value = str(value).strip()
        if key == "queue":
            if value not in DESK_QUEUES:
                raise InvalidInput(_("There is no queue “%(queue)s”.") % {"queue": value[:30]})
        elif key == "q":
            if len(value) > MAX_SEARCH:
                raise InvalidInput(_("The search is too long (at most %(n)s characters).") % {"n": MAX_SEARCH})
        elif key not in QUEUE_FILTER_FIELDS:
            raise InvalidInput(_("The queue has no filter “%(field)s”.") % {"field": key[:30]})
        elif value and value not in allowed[key]:
            raise InvalidInput(
                _("“%(value)s” is not a value of the filter “%(field)s”.") % {"value": value[:30], "field": key}
            )
        if value:
            cleaned[key] = value
    cleaned.setdefault("queue", DESK_QUEUES[0])
    return cleaned


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Give the view a name."), details={"name": [_("This field is required.")]})
    if len(name) > 60:
        raise InvalidInput(_("The name is too long (at most %(n)s characters).") % {"n": 60})
    return name


def _check_may_change(view: SavedView, actor: User) -> None:
    if view.owner_id != actor.pk and not (view.shared and actor.has_perm(SHARE)):
        raise TransitionForbidden(_("Only its owner (or a manager, for a shared view) may change this view."))


def _save(view: SavedView) -> SavedView:
    try:
        with transaction.atomic():
            view.save()
    except IntegrityError:
        raise InvalidInput(_("You already have a view named “%(name)s”.") % {"name": view.name}) from None
    return view


def save_view(*, owner: User, name: str, filters: Mapping[str, str], shared: bool = False) -> SavedView:
    """Save the queue's current filters under ``name``, personal or (managers) shared."""
    if shared and not owner.has_perm(SHARE):
        raise TransitionForbidden(_("Only managers may share a view."))
    view = SavedView(owner=owner, name=_clean_name(name), filters=clean_view_filters(filters), shared=shared)
    if SavedView.objects.filter(owner=owner).count() >= MAX_VIEWS_PER_OWNER:
        raise InvalidInput(_("You have %(n)s views already: delete one first.") % {"n": MAX_VIEWS_PER_OWNER})
    return _save(view)


def rename_view(*, view: SavedView, actor: User, name: str) -> SavedView:
    """Give the view a new name (its owner, or a manager for a shared view)."""
    _check_may_change(view, actor)
    view.name = _clean_name(name)
    return _save(view)


def delete_view(*, view: SavedView, actor: User) -> None:
    """Delete the view (its owner, or a manager for a shared view)."""
    _check_may_change(view, actor)
    view.delete()

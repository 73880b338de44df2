"""The desk shell: who may enter the staff pages, their menu, and how a refused write is shown.

- ``desk_required``: a desk page needs a signed-in user (anonymous visitors go to the desk's sign-in
  page, ``desk:login``) holding every permission registered with ``register_desk_permissions``
  (the cases app registers reading cases and their timeline: agents, managers, admins); anyone
  else signed in gets 403. Nothing registered lets nobody in.
- The navigation registry: each app registers its menu entries from its ``AppConfig.ready()``
  (``register_menu_entry``); ``templates/desk/base.html`` shows the entries the user may see
  (``{% desk_menu %}`` of ``core.templatetags.desk_shell``), in their ``order``. An entry whose URL
  name does not resolve (its app's URLs not mounted) is left out.
- ``answer_write``: the one place the desk maps a domain error (``core.errors.DomainError``) to a
  page answer. The write runs; a refusal shows the page again with the error's message, at the
  error's HTTP status, and keeps what the user typed (the ``refused`` callback renders it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.module_loading import import_string

from core.errors import DomainError

T = TypeVar("T")
View = Callable[..., HttpResponse]

# --- who may enter ---------------------------------------------------------------------------------------

_desk_permissions: dict[str, None] = {}  # an ordered set


def register_desk_permissions(*permissions: str) -> None:
    """Every desk page needs these permissions (``"app_label.codename"``) on top of signing in."""
    for permission in permissions:
        _desk_permissions[permission] = None


def desk_permissions() -> tuple[str, ...]:
    return tuple(_desk_permissions)


def desk_required(view: View) -> View:
    """A desk page: anonymous visitors sign in first; a user without the desk permissions gets 403."""

    @login_required(login_url="desk:login")
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        required = desk_permissions()
        if not required or not request.user.has_perms(required):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


# --- a write and its refusal ------------------------------------------------------------------------------


def answer_write(
    write: Callable[[], T],
    *,
    done: Callable[[T], HttpResponse],
    refused: Callable[[DomainError], HttpResponse],
) -> HttpResponse:
    """Run ``write``; its result goes to ``done`` (usually a redirect to the page that shows it). A
    domain error goes to ``refused``, which shows the page again with ``refusal(error)``; anything
    else is a bug and propagates (a 500)."""
    try:
        result = write()
    except DomainError as error:
        return refused(error)
    return done(result)


def refusal(error: DomainError) -> dict[str, Any]:
    """What a page shows for a refused write: the error's message, at its HTTP status."""
    return {"error": error.message, "status": error.http_status}


# --- pages other apps show again -------------------------------------------------------------------------

# A page of one app that another app's view answers with (the case page, shown again with the refusal of
# a chat action): its owner registers it by dotted path from ``AppConfig.ready()``; the caller names it.
_pages: dict[str, str] = {}


def register_page(name: str, view_path: str) -> None:
    """``view_path`` ("app.module.function", called as ``function(request, *args, **kwargs)``) answers
    for the page ``name``; imported when first shown, so the owner's views load with the URLconf."""
    _pages[name] = view_path


def show_page(name: str, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Answer ``request`` with the registered page ``name`` (``refusal(error)`` as keyword arguments
    shows it again with a refused write's message and status)."""
    render: Callable[..., HttpResponse] = import_string(_pages[name])
    return render(request, *args, **kwargs)


# --- the menu ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MenuEntry:
    """A link in the desk's header. ``label`` and ``section`` (what a screen reader announces for
    the entry's group; the label when empty) are lazy translations; ``permission`` is an
    ``"app_label.codename"`` the user needs, empty for none; ``staff_only`` also asks ``is_staff``."""

    label: str | Promise
    url_name: str
    permission: str = ""
    order: int = 100
    section: str | Promise = ""
    staff_only: bool = False

    def visible_to(self, user: Any) -> bool:
        if user is None or not user.is_authenticated:
            return False
        if self.staff_only and not user.is_staff:
            return False
        return not self.permission or user.has_perm(self.permission)


_menu: dict[str, MenuEntry] = {}


def register_menu_entry(
    *,
    label: str | Promise,
    url_name: str,
    permission: str = "",
    order: int = 100,
    section: str | Promise = "",
    staff_only: bool = False,
) -> MenuEntry:
    """Add a link to the desk's menu (from an ``AppConfig.ready()``); registering a URL name again
    replaces its entry."""
    entry = MenuEntry(
        label=label,
        url_name=url_name,
        permission=permission,
        order=order,
        section=section or label,
        staff_only=staff_only,
    )
    _menu[url_name] = entry
    return entry


def menu_entries() -> list[MenuEntry]:
    """Every registered entry, in menu order."""
    return sorted(_menu.values(), key=lambda entry: (entry.order, entry.url_name))


def menu_for(user: Any) -> list[tuple[MenuEntry, str]]:
    """The entries ``user`` may see, each with its URL, in menu order."""
    shown = []
    for entry in menu_entries():
        if not entry.visible_to(user):
            continue
        try:
            shown.append((entry, reverse(entry.url_name)))
        except NoReverseMatch:
            continue
    return shown

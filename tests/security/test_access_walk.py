"""Access control everywhere: every route the URL resolver knows, asked by every role.

The routes come from ``django.urls.get_resolver()``, so a route added without an entry in ROUTES
fails ``test_every_route_is_classified``. Each role then asks each route once (with the method the
route answers) and must get exactly the outcome the table says:

- ``ok``: past the access checks (a page, a redirect that is not a sign-in, or a 400 refusal of
  the empty form the walk sends: the input checks come after the access checks);
- ``bad``: 400 and only 400 (a forged signed link);
- ``login``: sent to sign in (a redirect to the desk's or the admin's sign-in page, or 401 from the API);
- ``portal``: sent to the portal's start page (no verified customer session);
- ``403``: signed in but the role may not; ``404``: the object is not theirs to see (no leak of
  its existence).

Teams restrict (DESK_TEAMS_RESTRICT on) for the whole walk: customer A's case belongs to team T1,
``agent`` is in T1 and ``other_agent`` in T2. ``integration`` is the shop's system account (a token
user of no team, not staff): it pushes orders and cases, reads and settles refunds, forwards
feedback; every desk, dashboard and reading page of the staff is a 403 for it. Admin routes are
walked by test_access_admin.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import Client

from analytics.models import KpiTarget
from cases.models import SavedView
from tests.security.access_world import (
    build_world,
    client_for,
    new_case_a,
    outcome,
    walk_routes,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """The attachments these tests write go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


ROLES = ("anon", "cust_a", "cust_b", "agent", "other_agent", "manager", "admin", "integration")


# --- the table ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    method: str
    url: Callable[[SimpleNamespace], str]
    expect: tuple[str, ...]  # one outcome per role, in the order of ROLES
    data: Callable[[SimpleNamespace], dict] | None = None  # the body; empty by default


def row(*outcomes: str) -> tuple[str, ...]:
    assert len(outcomes) == len(ROLES)
    return outcomes


def same(outcome: str) -> tuple[str, ...]:
    return (outcome,) * len(ROLES)


PUBLIC = same("ok")
# Desk pages without an object: any desk role.
DESK = row("login", "login", "login", "ok", "ok", "ok", "ok", "403")
# Desk pages on customer A's case (team T1): the agent of T2 must not learn it exists.
DESK_CASE_A = row("login", "login", "login", "ok", "404", "ok", "ok", "403")
# Manager pages (analytics.view_dashboard): agents and the integration are refused.
MANAGER = row("login", "login", "login", "403", "403", "ok", "ok", "403")
# Portal pages on customer A's case or order: B gets 404, the desk users are no customers.
PORTAL_A = row("portal", "ok", "404", "portal", "portal", "portal", "portal", "portal")
PORTAL_ANY = row("portal", "ok", "ok", "portal", "portal", "portal", "portal", "portal")
# API read/writes of the desk (token): 401 without a token, customers have none; the integration
# may not read the desk's cases, queues, notifications or KPIs.
API_DESK = row("login", "login", "login", "ok", "ok", "ok", "ok", "403")
API_CASE_A = row("login", "login", "login", "ok", "404", "ok", "ok", "403")
API_MANAGER = row("login", "login", "login", "403", "403", "ok", "ok", "403")
# What the shop's integration does (token): read orders, read and settle refunds, forward feedback.
API_SHOP = row("login", "login", "login", "ok", "ok", "ok", "ok", "ok")
API_SHOP_CASE_A = row("login", "login", "login", "ok", "404", "ok", "ok", "ok")
API_SHOP_MANAGER = row("login", "login", "login", "403", "403", "ok", "ok", "ok")
# Signed webhooks and token-addressed public endpoints: nobody's session counts, the signature does.
UNSIGNED = same("login")


# A personal object of the walk's agent (a saved view of the queue): others get 404.
OWNER_ONLY = row("login", "login", "login", "ok", "404", "404", "404", "403")


def agents_view(suffix: str) -> Callable:
    """A new personal saved view of the walk's agent, for each role's request."""

    def url(w) -> str:
        view = SavedView.objects.create(owner=w.agent, name=f"walk {SavedView.objects.count()}", filters={})
        return f"/desk/views/{view.pk}/{suffix}"

    return url


def case_a(suffix: str = "") -> Callable:
    return lambda w: f"/desk/cases/{w.case_a.number}/{suffix}"


def fresh_case_a(suffix: str) -> Callable:
    """A new case of customer A for a request that would change it for the next role (cancel)."""
    return lambda w: f"/portal/cases/{new_case_a(w).number}/{suffix}"


def portal_a(suffix: str = "") -> Callable:
    return lambda w: f"/portal/cases/{w.case_a.number}/{suffix}"


def api_a(suffix: str = "") -> Callable:
    return lambda w: f"/api/v1/cases/{w.case_a.number}/{suffix}"


def fresh_target(w) -> str:
    target = KpiTarget.objects.create(
        kpi=f"kpi{KpiTarget.objects.count()}", comparison="ge", value=Decimal("1")
    )  # fmt: skip
    return f"/dashboard/targets/{target.pk}/delete/"


ROUTES: dict[str, Route] = {
    "healthz": Route("GET", lambda w: "/healthz", PUBLIC),
    "i18n/setlang/": Route("POST", lambda w: "/i18n/setlang/", PUBLIC),
    "": Route("GET", lambda w: "/", PUBLIC),
    # --- the API ---
    "api/v1/kpis/": Route("GET", lambda w: "/api/v1/kpis/", API_MANAGER),
    "api/v1/kpis/cases/": Route("GET", lambda w: "/api/v1/kpis/cases/?kpi=backlog", API_MANAGER),
    # An agent gets the list with their own card only (test_access_objects.py checks the rows).
    "api/v1/kpis/scorecards/": Route("GET", lambda w: "/api/v1/kpis/scorecards/", API_DESK),
    "api/v1/kpis/scorecards/weights/": Route("PUT", lambda w: "/api/v1/kpis/scorecards/weights/", API_MANAGER),
    "api/v1/kpis/scorecards/<int:agent_id>/": Route(
        "GET",
        lambda w: f"/api/v1/kpis/scorecards/{w.agent.pk}/",
        # An agent reads their own card only; the agent of T2 asks for someone else's.
        row("login", "login", "login", "ok", "403", "ok", "ok", "403"),
    ),
    "api/v1/orders/<str:number>/": Route(
        "GET", lambda w: f"/api/v1/orders/{w.order_a.number}/", API_SHOP
    ),  # orders carry no team
    "api/v1/cases/": Route("GET", lambda w: "/api/v1/cases/", API_DESK),
    "api/v1/cases/<str:number>/": Route("GET", api_a(), API_CASE_A),
    "api/v1/cases/<str:number>/transitions/": Route("GET", api_a("transitions/"), API_CASE_A),
    # A real step and a real message, so the integration meets the step's and the service's own
    # permission (403), not the input checks that come first for an unknown step or an empty body.
    "api/v1/cases/<str:number>/transitions/<str:name>/": Route("POST", api_a("transitions/start/"), API_CASE_A),
    # Converting and reclassifying (work_case); the walk's empty body is a 400 past the access checks.
    "api/v1/cases/<str:number>/convert/": Route("POST", api_a("convert/"), API_CASE_A),
    "api/v1/cases/<str:number>/reclassify/": Route("POST", api_a("reclassify/"), API_CASE_A),
    # A complaint's category and severity (view_case + change_case): the empty body is a 400 past the checks.
    "api/v1/cases/<str:number>/classify/": Route("POST", api_a("classify/"), API_CASE_A),
    # Splitting a message out of a case and merging two cases (work_case): the empty body is a 400 past
    # the access checks.
    "api/v1/cases/<str:number>/split/": Route("POST", api_a("split/"), API_CASE_A),
    "api/v1/cases/<str:number>/merge/": Route("POST", api_a("merge/"), API_CASE_A),
    "api/v1/cases/<str:number>/messages/": Route(
        "POST", api_a("messages/"), API_CASE_A, data=lambda w: {"text": "walk", "public": "false"}
    ),
    # The shop reads the refunds of any case (no team restricts the integration) and reports their
    # outcome (integration, managers, admins): agents may not.
    "api/v1/cases/<str:number>/refunds/": Route("GET", api_a("refunds/"), API_SHOP_CASE_A),
    "api/v1/refunds/<int:pk>/outcome/": Route(
        "POST", lambda w: f"/api/v1/refunds/{w.refund.pk}/outcome/", API_SHOP_MANAGER
    ),
    "api/v1/notifications/": Route("GET", lambda w: "/api/v1/notifications/", API_DESK),
    "api/v1/notifications/<int:pk>/read/": Route(
        "POST",
        lambda w: f"/api/v1/notifications/{w.notification.pk}/read/",
        # Someone else's notification is a 404, the admin's included; the integration has no bell.
        row("login", "login", "login", "ok", "404", "404", "404", "403"),
    ),
    "api/v1/revisits/": Route("GET", lambda w: "/api/v1/revisits/", API_DESK),
    "api/v1/revisits/<int:pk>/complete/": Route(
        "POST", lambda w: f"/api/v1/revisits/{w.revisit.pk}/complete/", API_CASE_A
    ),
    "api/v1/channels/email/<slug:code>/inbound/": Route(
        "POST", lambda w: f"/api/v1/channels/email/{w.inbox.code}/inbound/", UNSIGNED
    ),
    "api/v1/channels/social/<slug:code>/webhook/": Route(
        "POST", lambda w: f"/api/v1/channels/social/{w.social.code}/webhook/", UNSIGNED
    ),
    "api/v1/channels/phone/<slug:code>/events/": Route(
        "POST", lambda w: f"/api/v1/channels/phone/{w.phone.code}/events/", UNSIGNED
    ),
    # The chat's visitor token is the capability; a wrong one finds nothing, for everyone.
    "api/v1/channels/chat/sessions/": Route(
        "POST", lambda w: "/api/v1/channels/chat/sessions/", PUBLIC, data=lambda w: {"widget": w.widget.key}
    ),
    "api/v1/channels/chat/sessions/<str:token>/messages/": Route(
        "GET", lambda w: f"/api/v1/channels/chat/sessions/{w.chat.token[:-2]}xx/messages/", same("404")
    ),
    "api/v1/channels/chat/sessions/<str:token>/events/": Route(
        "GET", lambda w: f"/api/v1/channels/chat/sessions/{w.chat.token[:-2]}xx/events/", same("404")
    ),
    "api/v1/channels/chat/sessions/<str:token>/end/": Route(
        "POST", lambda w: f"/api/v1/channels/chat/sessions/{w.chat.token[:-2]}xx/end/", same("404")
    ),
    "api/v1/channels/chat/sessions/<str:token>/code/": Route(
        "POST", lambda w: f"/api/v1/channels/chat/sessions/{w.chat.token[:-2]}xx/code/", same("404")
    ),
    "api/v1/channels/chat/sessions/<str:token>/verify/": Route(
        "POST", lambda w: f"/api/v1/channels/chat/sessions/{w.chat.token[:-2]}xx/verify/", same("404")
    ),
    # An external survey tool (the integration role) imports answers and reads them back.
    "api/v1/feedback/responses/": Route("GET", lambda w: "/api/v1/feedback/responses/", API_SHOP),
    "api/v1/feedback/responses/import/": Route(
        "POST", lambda w: "/api/v1/feedback/responses/import/", API_SHOP_MANAGER
    ),
    "api/v1/feedback/responses/export/": Route("GET", lambda w: "/api/v1/feedback/responses/export/", API_MANAGER),
    # Free feedback comes in from the shop's system (the integration role) and the admin.
    "api/v1/feedback/free/": Route(
        "POST", lambda w: "/api/v1/feedback/free/", row("login", "login", "login", "403", "403", "403", "ok", "ok")
    ),
    # The schema and its viewers describe the API; they hold no data.
    "api/v1/schema/": Route("GET", lambda w: "/api/v1/schema/", PUBLIC),
    "api/v1/docs/": Route("GET", lambda w: "/api/v1/docs/", PUBLIC),
    "api/v1/redoc/": Route("GET", lambda w: "/api/v1/redoc/", PUBLIC),
    # --- the portal ---
    "portal/": Route("GET", lambda w: "/portal/", PUBLIC),
    "portal/verify/": Route("GET", lambda w: "/portal/verify/", same("portal")),  # no order asked for yet
    "portal/sign-out/": Route("POST", lambda w: "/portal/sign-out/", same("portal")),
    "portal/my/": Route("GET", lambda w: "/portal/my/", PORTAL_ANY),
    "portal/orders/<str:number>/": Route("GET", lambda w: f"/portal/orders/{w.order_a.number}/", PORTAL_A),
    "portal/cases/<str:number>/": Route("GET", portal_a(), PORTAL_A),
    "portal/cases/<str:number>/tracking/": Route("POST", portal_a("tracking/"), PORTAL_A),
    "portal/cases/<str:number>/message/": Route("POST", portal_a("message/"), PORTAL_A),
    "portal/cases/<str:number>/cancel/": Route("POST", fresh_case_a("cancel/"), PORTAL_A),
    "portal/cases/<str:number>/slip.pdf": Route(
        "GET", portal_a("slip.pdf"), row("portal", "404", "404", "portal", "portal", "portal", "portal", "portal")
    ),  # not approved yet: no slip, for A either
    "portal/cases/<str:number>/photos/<int:pk>/": Route(
        "GET", lambda w: f"/portal/cases/{w.case_a.number}/photos/{w.photo_a.pk}/", PORTAL_A
    ),
    # --- public feedback ---
    # The signed link is the capability: a forged one is the "bad link" page (400), for everyone.
    "feedback/s/<str:token>/": Route("GET", lambda w: "/feedback/s/forged-token/", same("bad")),
    "feedback/s/<str:token>/thanks/": Route("GET", lambda w: "/feedback/s/forged-token/thanks/", same("bad")),
    "feedback/new/": Route("GET", lambda w: "/feedback/new/", PUBLIC),
    "chat/demo/": Route("GET", lambda w: f"/chat/demo/?widget={w.widget.key}", PUBLIC),
    # --- the desk ---
    "desk/login/": Route("GET", lambda w: "/desk/login/", PUBLIC),
    "desk/logout/": Route("POST", lambda w: "/desk/logout/", same("login")),  # it signs out, then: sign in
    "desk/": Route("GET", lambda w: "/desk/?queue=open", DESK),
    # The queue's saved views and bulk actions (issue 18): the empty form is a 400 after the access
    # checks; a personal view is its owner's (the walk's agent), nobody else finds it.
    "desk/views/": Route("POST", lambda w: "/desk/views/", DESK),
    "desk/views/<int:pk>/rename/": Route("POST", agents_view("rename/"), OWNER_ONLY),
    "desk/views/<int:pk>/delete/": Route("POST", agents_view("delete/"), OWNER_ONLY),
    "desk/bulk/": Route("POST", lambda w: "/desk/bulk/", DESK),
    "desk/calls/new/": Route("GET", lambda w: "/desk/calls/new/", DESK),
    # Linking a case's unverified chat: desk staff who see the case (no chat waits here: 400, "bad").
    "desk/chats/<str:number>/link/": Route("POST", lambda w: f"/desk/chats/{w.case_a.number}/link/", DESK_CASE_A),
    "desk/feedback/": Route("GET", lambda w: "/desk/feedback/", DESK),
    "desk/feedback/<int:pk>/category/": Route(
        "POST",
        lambda w: f"/desk/feedback/{w.feedback.pk}/category/",
        row("login", "login", "login", "403", "403", "ok", "ok", "403"),
    ),
    "desk/feedback/<int:pk>/handled/": Route(
        "POST",
        lambda w: f"/desk/feedback/{w.feedback.pk}/handled/",
        row("login", "login", "login", "403", "403", "ok", "ok", "403"),
    ),
    "desk/feedback/follow-ups/": Route("GET", lambda w: "/desk/feedback/follow-ups/", DESK),
    "desk/feedback/follow-ups/<int:pk>/outcome/": Route(
        "POST",
        lambda w: f"/desk/feedback/follow-ups/{w.revisit.pk}/outcome/",
        # The agent's own task; another agent's is not theirs.
        row("login", "login", "login", "ok", "404", "ok", "ok", "403"),
    ),
    "desk/cases/<str:number>/": Route("GET", case_a(), DESK_CASE_A),
    "desk/cases/<str:number>/steps/<str:name>/": Route("POST", case_a("steps/nope/"), DESK_CASE_A),
    "desk/cases/<str:number>/message/": Route("POST", case_a("message/"), DESK_CASE_A),
    "desk/cases/<str:number>/assign/": Route("POST", case_a("assign/"), DESK_CASE_A),
    "desk/cases/<str:number>/costs/": Route("POST", case_a("costs/"), DESK_CASE_A),
    "desk/cases/<str:number>/link/": Route("POST", case_a("link/"), DESK_CASE_A),
    "desk/cases/<str:number>/tags/": Route("POST", case_a("tags/"), DESK_CASE_A),
    "desk/cases/<str:number>/macro/": Route("POST", case_a("macro/"), DESK_CASE_A),
    "desk/cases/<str:number>/replacement/": Route("POST", case_a("replacement/"), DESK_CASE_A),
    "desk/cases/<str:number>/approval/": Route("POST", case_a("approval/"), DESK_CASE_A),
    "desk/cases/<str:number>/approval/decide/": Route("POST", case_a("approval/decide/"), DESK_CASE_A),
    "desk/cases/<str:number>/lines/<int:line_id>/disposition/": Route(
        "POST", lambda w: f"/desk/cases/{w.case_a.number}/lines/999999/disposition/", DESK_CASE_A
    ),
    "desk/cases/<str:number>/warehouse-photos/": Route("POST", case_a("warehouse-photos/"), DESK_CASE_A),
    "desk/cases/<str:number>/reveal-contact/": Route("POST", case_a("reveal-contact/"), DESK_CASE_A),
    "desk/cases/<str:number>/conversion/": Route("GET", case_a("conversion/"), DESK_CASE_A),
    "desk/cases/<str:number>/convert/": Route("POST", case_a("convert/"), DESK_CASE_A),
    "desk/cases/<str:number>/reclassify/": Route("POST", case_a("reclassify/"), DESK_CASE_A),
    "desk/cases/<str:number>/classify/": Route("POST", case_a("classify/"), DESK_CASE_A),
    "desk/cases/<str:number>/split/": Route("POST", case_a("split/"), DESK_CASE_A),
    # Opening a case for a customer (cases.add_case, staff): the integration account is no desk user.
    "desk/new-case/": Route("GET", lambda w: "/desk/new-case/", DESK),
    "desk/account/two-factor/": Route("GET", lambda w: "/desk/account/two-factor/", DESK),
    "desk/cases/<str:number>/photos/<int:pk>/": Route(
        "GET", lambda w: f"/desk/cases/{w.case_a.number}/photos/{w.internal_a.pk}/", DESK_CASE_A
    ),
    # --- the dashboard ---
    "dashboard/": Route("GET", lambda w: "/dashboard/", MANAGER),
    "dashboard/cases/": Route("GET", lambda w: "/dashboard/cases/?kpi=backlog", MANAGER),
    "dashboard/cases.csv": Route("GET", lambda w: "/dashboard/cases.csv?kpi=backlog", MANAGER),
    "dashboard/export.csv": Route("GET", lambda w: "/dashboard/export.csv", MANAGER),
    "dashboard/export.xlsx": Route("GET", lambda w: "/dashboard/export.xlsx", MANAGER),
    # An agent is sent on to their own card (a redirect that is no sign-in).
    "dashboard/scorecards/": Route("GET", lambda w: "/dashboard/scorecards/", DESK),
    "dashboard/scorecards/<int:agent_id>/": Route(
        "GET",
        lambda w: f"/dashboard/scorecards/{w.agent.pk}/",
        row("login", "login", "login", "ok", "403", "ok", "ok", "403"),
    ),
    "dashboard/targets/": Route("GET", lambda w: "/dashboard/targets/", MANAGER),
    "dashboard/targets/<int:pk>/": Route("POST", lambda w: f"/dashboard/targets/{w.target.pk}/", MANAGER),
    "dashboard/targets/<int:pk>/delete/": Route("POST", fresh_target, MANAGER),
}


SIGN_OUT = ("desk/logout/", "portal/sign-out/")


def ask(client: Client, route: Route, w) -> tuple[str, object]:
    url = route.url(w)
    data = route.data(w) if route.data else {}
    if route.method == "GET":
        response = client.get(url)
    elif route.method == "POST":
        response = client.post(url, data)
    else:
        response = client.generic(route.method, url, "{}", content_type="application/json")
    return outcome(response), response


def test_every_route_is_classified():
    """A new route without an entry here (and no admin route) fails: classify it before it ships."""
    routes = set(walk_routes())
    admin = {r for r in routes if r.startswith("admin/")}
    assert admin, "the admin is mounted (walked by test_access_admin.py)"
    assert routes - admin - set(ROUTES) == set(), "routes nobody classified"
    assert set(ROUTES) - routes == set(), "classified routes that no longer exist"


@pytest.fixture
def world(settings):
    settings.DESK_TEAMS_RESTRICT = True
    return build_world()


@pytest.mark.parametrize("role", ROLES)
def test_each_route_answers_each_role_exactly_as_classified(role, world):
    client = client_for(role, world)
    wrong = []
    # Signing out ends the role's session: those two go last.
    for pattern in sorted(ROUTES, key=lambda p: p in SIGN_OUT):
        route = ROUTES[pattern]
        got, response = ask(client, route, world)
        want = route.expect[ROLES.index(role)]
        if got != want and not (want == "ok" and got == "bad"):
            wrong.append(f"{route.method} {pattern}: want {want}, got {got} ({response.status_code})")
    assert not wrong, "\n".join(wrong)

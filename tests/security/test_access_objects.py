"""Object-level access: changing an id in the URL reaches nobody else's case, message, attachment
or survey, and leaves it unchanged; attachments have no public path (only the checking views)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import Resolver404, get_resolver, resolve
from django.urls.resolvers import URLResolver
from django.views.static import serve as static_serve

from cases.models import CaseEvent, CaseStatus
from cases.services import create_case, transition_case
from feedback import services as feedback_services
from feedback.models import Survey, SurveyRule
from tests.security.access_world import build_world, client_for, walk_routes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """The attachments these tests write go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def w(settings):
    settings.DESK_TEAMS_RESTRICT = True
    return build_world()


def test_customer_b_cannot_read_or_write_customer_as_case_messages_or_photos(w):
    b = client_for("cust_b", w)
    number = w.case_a.number
    for url in (
        f"/portal/cases/{number}/",
        f"/portal/cases/{number}/slip.pdf",
        f"/portal/cases/{number}/photos/{w.photo_a.pk}/",
        f"/portal/orders/{w.order_a.number}/",
    ):
        assert b.get(url).status_code == 404, url
    home = b.get("/portal/my/").content.decode()
    assert number not in home and w.order_a.number not in home and "secret of A" not in home
    events = CaseEvent.objects.filter(case=w.case_a).count()
    assert b.post(f"/portal/cases/{number}/message/", {"text": "B was here"}).status_code == 404
    assert b.post(f"/portal/cases/{number}/cancel/").status_code == 404
    assert b.post(f"/portal/cases/{number}/tracking/", {"carrier": "sf", "tracking": "SF1234567890"}).status_code == 404
    w.case_a.refresh_from_db()
    assert w.case_a.status == CaseStatus.NEW and CaseEvent.objects.filter(case=w.case_a).count() == events
    # A sees their own, and never the warehouse's internal photo.
    a = client_for("cust_a", w)
    page = a.get(f"/portal/cases/{number}/")
    assert page.status_code == 200 and "secret of A" in page.content.decode()
    assert a.get(f"/portal/cases/{number}/photos/{w.internal_a.pk}/").status_code == 404


def test_an_attachment_is_served_only_under_its_own_case(w):
    """Case B's id with case A's attachment id (or the reverse) finds nothing, on desk and portal."""
    from cases.models import Attachment

    stranger = Attachment.objects.create(
        case=w.case_b, file=w.photo_a.file.name, original_name="b.png", content_type="image/png", size=1
    )
    manager = client_for("manager", w)
    assert manager.get(f"/desk/cases/{w.case_a.number}/photos/{w.photo_a.pk}/").status_code == 200
    assert manager.get(f"/desk/cases/{w.case_b.number}/photos/{w.photo_a.pk}/").status_code == 404
    assert manager.get(f"/desk/cases/{w.case_a.number}/photos/{stranger.pk}/").status_code == 404
    b = client_for("cust_b", w)
    assert b.get(f"/portal/cases/{w.case_b.number}/photos/{w.photo_a.pk}/").status_code == 404


def test_the_agent_of_another_team_finds_no_trace_of_a_restricted_case(w):
    other = client_for("other_agent", w)
    number = w.case_a.number
    for query in ("queue=open", f"queue=open&q={number}", "queue=team"):
        assert number not in [c.number for c, _left in other.get(f"/desk/?{query}").context["rows"]], query
    assert {r["number"] for r in other.get("/api/v1/cases/").json()["results"]} == {w.case_b.number}
    assert all(r["case"] != number for r in other.get("/api/v1/revisits/").json())
    for url in (
        f"/desk/cases/{number}/",
        f"/desk/cases/{number}/photos/{w.photo_a.pk}/",
        f"/api/v1/cases/{number}/",
        f"/api/v1/cases/{number}/transitions/",
    ):
        assert other.get(url).status_code == 404, url
    events = CaseEvent.objects.filter(case=w.case_a).count()
    assert other.post(f"/desk/cases/{number}/message/", {"text": "x", "public": "1"}).status_code == 404
    assert other.post(f"/api/v1/revisits/{w.revisit.pk}/complete/", {"outcome": "x"}).status_code == 404
    w.revisit.refresh_from_db()
    assert w.revisit.done_at is None and CaseEvent.objects.filter(case=w.case_a).count() == events
    # The agent of the case's team sees it, its revisit task included.
    agent = client_for("agent", w)
    assert any(r["case"] == number for r in agent.get("/api/v1/revisits/").json())


def test_someone_elses_notification_cannot_be_read_or_marked(w):
    manager = client_for("manager", w)
    assert manager.get("/api/v1/notifications/").json() == []
    assert manager.post(f"/api/v1/notifications/{w.notification.pk}/read/").status_code == 404
    w.notification.refresh_from_db()
    assert w.notification.read_at is None


def test_an_agent_reads_only_their_own_scorecard(w):
    other = client_for("other_agent", w)
    assert other.get(f"/api/v1/kpis/scorecards/{w.agent.pk}/").status_code == 403
    assert other.get(f"/dashboard/scorecards/{w.agent.pk}/").status_code == 403
    cards = other.get("/api/v1/kpis/scorecards/").json()
    assert {card["agent_id"] for card in cards} <= {w.other_agent.pk}


def test_a_survey_link_opens_only_its_own_invitation_and_a_forged_one_shows_nothing(w):
    survey = Survey.objects.create(code="walk-survey", name="After the case")
    SurveyRule.objects.create(survey=survey, kinds=[], channels=[])
    complaint = create_case(customer=w.cust_a, kind="complaint", channel="portal", team=w.t1)
    complaint = transition_case(case=complaint, name="start", actor=w.manager)
    complaint = transition_case(case=complaint, name="resolve", actor=w.manager, resolution_type="answered")
    invitation = feedback_services.invite(case=complaint)
    token = feedback_services.token_for(invitation)
    anyone = Client()
    assert anyone.get(f"/feedback/s/{token}/").status_code == 200
    for forged in (token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb"), token[::-1], "1:" + token):
        page = anyone.get(f"/feedback/s/{forged}/")
        assert page.status_code == 400, forged
        html = page.content.decode()
        assert complaint.number not in html and w.cust_a.name not in html


def test_media_files_have_no_public_url(w):
    """MEDIA_ROOT is not routed, with DEBUG on or off: the file of A's photo is only behind the views."""
    path = "/" + settings.MEDIA_URL.strip("/") + "/" + w.photo_a.file.name
    with pytest.raises(Resolver404):
        resolve(path)
    serving = [r for r in walk_routes() if resolve_route_callback(r) is static_serve]
    assert serving == [], "a route serves files straight from a folder"
    for role in ("anon", "cust_a", "manager"):
        assert client_for(role, w).get(path).status_code == 404


def resolve_route_callback(route: str, resolver=None, prefix: str = ""):
    """The view of the route whose pattern text is ``route`` (as walk_routes() spells it)."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            found = resolve_route_callback(route, entry, prefix + str(entry.pattern))
            if found is not None:
                return found
        elif prefix + str(entry.pattern) == route:
            return entry.callback
    return None

"""The agents' workbench (/desk/): who may use it, the queues, the case view, steps, replies,
assignment, and a fixed number of queries however many cases or events there are."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Case, CaseEvent, CaseStatus, ClockKind, ClockState, Priority, SlaPolicy, Team
from cases.services import add_message, create_case, transition_case
from tests.cases.factories import CaseFactory, CustomerFactory, OrderLineFactory, TeamFactory
from tests.clients import token_client

pytestmark = pytest.mark.django_db


def complaint(**kw) -> Case:
    return create_case(customer=kw.pop("customer", None) or CustomerFactory(), kind="complaint", channel="email", **kw)


# --- who -------------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_sign_in_page(client):
    case = complaint()
    for url in ("/desk/", f"/desk/cases/{case.number}/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/desk/login/")
    assert client.post(f"/desk/cases/{case.number}/message/", {"text": "x", "public": "1"}).status_code == 302
    assert not CaseEvent.objects.filter(case=case, type="reply").exists()


@pytest.mark.parametrize("role", ["outsider", "integration_user"])
def test_signed_in_users_without_the_desk_role_are_refused(client, request, role):
    case = complaint()
    client.force_login(request.getfixturevalue(role))
    assert client.get("/desk/").status_code == 403
    assert client.get(f"/desk/cases/{case.number}/").status_code == 403
    assert client.post(f"/desk/cases/{case.number}/steps/start/", {"version": case.version}).status_code == 403
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW


@pytest.mark.parametrize("role", ["agent", "manager", "admin_user"])
def test_staff_use_the_desk(client, request, role):
    case = complaint()
    client.force_login(request.getfixturevalue(role))
    assert client.get("/desk/?queue=open").status_code == 200
    assert client.get(f"/desk/cases/{case.number}/").status_code == 200


def test_the_sign_in_page_signs_an_agent_in(client, agent):
    page = client.get("/desk/login/")
    assert page.status_code == 200
    response = client.post("/desk/login/", {"username": "agent-a", "password": "correct horse battery staple"})
    assert response.status_code == 302 and response["Location"] == "/desk/"
    bad = client.post("/desk/login/", {"username": "agent-a", "password": "wrong"})
    assert bad.status_code == 200 and "did not match" in bad.content.decode()


# --- queues --------------------------------------------------------------------------------------------------


def test_the_queues_show_the_right_cases(client, agent, manager):
    team = TeamFactory()
    team.members.add(agent)
    mine = complaint(assignee=agent)
    unassigned = complaint(team=team)
    other = complaint(assignee=manager)
    waiting = complaint(assignee=manager)
    transition_case(case=waiting, name="start", actor=manager)
    transition_case(case=waiting, name="wait_for_customer", actor=manager)
    client.force_login(agent)

    def numbers(query: str) -> set[str]:
        return {c.number for c, _left in client.get(f"/desk/?{query}").context["rows"]}

    assert numbers("queue=mine") == {mine.number}
    assert numbers("queue=team") == {unassigned.number}
    assert numbers("queue=waiting") == {waiting.number}
    assert numbers("queue=open") == {mine.number, unassigned.number, other.number, waiting.number}
    assert numbers("queue=breaching") == set(), "nothing is due within two hours"
    Case.objects.filter(pk=other.pk).update(sla_due_at=timezone.now() + timedelta(minutes=30))
    assert numbers("queue=breaching") == {other.number}


def test_filters_and_search(client, agent):
    vip = CustomerFactory(name="王小明", tier="vip", email="wxm@example.com")
    a = complaint(customer=vip, priority=Priority.URGENT)
    b = complaint()
    client.force_login(agent)

    def numbers(query: str) -> list[str]:
        return [c.number for c, _left in client.get(f"/desk/?queue=open&{query}").context["rows"]]

    assert numbers("tier=vip") == [a.number]
    assert numbers("priority=urgent") == [a.number]
    assert numbers("q=小明") == [a.number]
    assert numbers("q=wxm@example.com") == [a.number]
    assert numbers(f"q={b.number.lower()}") == [b.number]
    assert numbers("kind=nonsense") == sorted([a.number, b.number], key=lambda n: n != a.number), (
        "an unknown filter value is ignored, not an error"
    )


def test_the_queue_pages_by_cursor_in_sla_order(client, agent):
    cases = [complaint() for _ in range(30)]
    client.force_login(agent)
    first = client.get("/desk/?queue=open")
    assert len(first.context["rows"]) == 25 and first.context["next_url"]
    second = client.get("/desk/" + first.context["next_url"])
    seen = [c.number for c, _ in first.context["rows"]] + [c.number for c, _ in second.context["rows"]]
    assert sorted(seen) == sorted(c.number for c in cases) and len(seen) == 30
    assert "30" in first.content.decode()


def test_the_queue_runs_a_fixed_number_of_queries(client, agent):
    client.force_login(agent)
    complaint()
    client.get("/desk/?queue=open")  # warm the session and permission caches

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/desk/?queue=open").status_code == 200
        return len(captured)

    few = queries()
    for _ in range(40):
        complaint(customer=CustomerFactory())
    assert queries() == few


def test_the_case_view_runs_a_fixed_number_of_queries_however_long_the_history(client, agent):
    case = complaint()
    CaseFactory(customer=case.customer)  # one earlier case with its order: every part of the page shows
    client.force_login(agent)
    client.get(f"/desk/cases/{case.number}/")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/desk/cases/{case.number}/").status_code == 200
        return len(captured)

    short = queries()
    for n in range(30):
        add_message(case=case, actor=agent, text=f"note {n}", public=False)
        CaseFactory(customer=case.customer)
    assert queries() == short


# --- working a case -------------------------------------------------------------------------------------------


def test_an_agent_starts_replies_and_resolves_a_complaint(client, agent):
    case = complaint()
    client.force_login(agent)
    response = client.post(f"/desk/cases/{case.number}/steps/start/", {"version": case.version})
    assert response.status_code == 302
    response = client.post(f"/desk/cases/{case.number}/message/", {"text": "很抱歉给您带来不便。", "public": "1"})
    assert response.status_code == 302
    reply = CaseEvent.objects.get(case=case, type="reply")
    assert reply.public and reply.actor == agent
    case.refresh_from_db()
    client.post(
        f"/desk/cases/{case.number}/steps/resolve/",
        {"version": case.version, "resolution_type": "goodwill_coupon", "resolution_note": "10 元券"},
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED and case.resolution_type == "goodwill_coupon"
    assert case.clocks.get(kind=ClockKind.FIRST_RESPONSE).state == ClockState.STOPPED


def test_an_agent_works_a_return_through_receipt_inspection_and_refund(client, agent):
    line = OrderLineFactory(quantity=1)
    from cases.services import LineRequest

    case = create_case(
        customer=line.order.customer,
        kind="return",
        channel="portal",
        order=line.order,
        lines=[LineRequest(order_line=line, quantity=1)],
    )
    client.force_login(agent)
    url = f"/desk/cases/{case.number}/steps/"
    for name, data in (
        ("approve", {}),
        ("ship_return", {"carrier": "SF", "tracking_number": "SF123456789012"}),
        ("receive", {}),
        ("inspect", {"passed": "1", "grade": "A", "inspection_note": "完好"}),
        ("resolve", {"resolution_type": "return_and_refund", "refund_amount": "199.00"}),
    ):
        case.refresh_from_db()
        response = client.post(url + name + "/", {"version": case.version, **data})
        assert response.status_code == 302, (name, response.content[:400])
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED and case.refund_amount == 199 and case.inspection_grade == "A"


def test_a_refund_above_what_was_paid_is_refused_with_the_message(client, agent):
    line = OrderLineFactory(quantity=1)
    from cases.services import LineRequest

    case = create_case(
        customer=line.order.customer,
        kind="refund_only",
        channel="portal",
        order=line.order,
        lines=[LineRequest(order_line=line, quantity=1)],
    )
    transition_case(case=case, name="approve", actor=agent)
    client.force_login(agent)
    response = client.post(
        f"/desk/cases/{case.number}/steps/resolve/",
        {"version": case.version, "resolution_type": "refund", "refund_amount": "99999"},
    )
    assert response.status_code == 400 and "more than can still be refunded" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED


def test_the_second_agent_gets_a_clear_message_the_current_case_and_keeps_the_draft(client, agent, manager):
    case = complaint()
    stale_version = case.version
    transition_case(case=case, name="start", actor=manager)  # the other agent was quicker
    client.force_login(agent)
    response = client.post(f"/desk/cases/{case.number}/steps/start/", {"version": stale_version})
    assert response.status_code == 409
    page = response.content.decode()
    assert "changed since you loaded it" in page and "The case below is the current one" in page
    assert response.context["case"].status == CaseStatus.IN_PROGRESS
    response = client.post(
        f"/desk/cases/{case.number}/assign/", {"version": stale_version, "assignee": "", "priority": "high"}
    )
    assert response.status_code == 409
    case.refresh_from_db()
    assert case.priority == Priority.NORMAL


def test_a_reply_refused_keeps_the_half_written_text(client, agent):
    case = complaint()
    for step in ("start", "resolve", "close"):
        kwargs = {"resolution_type": "answered"} if step == "resolve" else {}
        transition_case(case=case, name=step, actor=agent, **kwargs)
    client.force_login(agent)
    response = client.post(f"/desk/cases/{case.number}/message/", {"text": "我写了很长的一段回复……", "public": "1"})
    assert response.status_code == 400
    assert "我写了很长的一段回复……" in response.content.decode()


def test_assign_and_priority_write_one_audit_event(client, agent, manager):
    # The shipped policies go by a complaint's severity, not its priority: a manager's policy by priority.
    SlaPolicy.objects.create(name="Urgent cases", position=5, priorities=["urgent"], first_response_minutes=60)
    case = complaint()
    client.force_login(agent)
    response = client.post(
        f"/desk/cases/{case.number}/assign/", {"version": case.version, "assignee": manager.pk, "priority": "urgent"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.assignee, case.priority) == (manager, Priority.URGENT)
    assert CaseEvent.objects.filter(case=case, type="assigned").count() == 1
    assert case.clocks.get(kind=ClockKind.FIRST_RESPONSE).policy.name == "Urgent cases"


@pytest.mark.parametrize(
    "data, message", [({"priority": "panic"}, "Unknown priority"), ({"assignee": "999999"}, "no such agent")]
)
def test_bad_assignment_is_a_400_and_changes_nothing(client, agent, data, message):
    case = complaint()
    client.force_login(agent)
    response = client.post(
        f"/desk/cases/{case.number}/assign/", {"version": case.version, "priority": "normal", "assignee": "", **data}
    )
    assert response.status_code == 400 and message in response.content.decode()
    case.refresh_from_db()
    assert case.assignee is None and case.priority == Priority.NORMAL


def test_an_unknown_case_or_step_is_refused(client, agent):
    case = complaint()
    client.force_login(agent)
    assert client.get("/desk/cases/RMA-1900-000001/").status_code == 404
    response = client.post(f"/desk/cases/{case.number}/steps/fly/", {"version": case.version})
    assert response.status_code == 400 and "no step called" in response.content.decode()


def test_search_finds_chinese_words_in_the_messages(client, agent):
    parcel = complaint(reason_text="快递包裹外箱严重破损，里面的杯子碎了")
    other = complaint(reason_text="想咨询一下发票")
    add_message(case=other, actor=agent, text="发票已经重新开具")
    client.force_login(agent)

    def numbers(query: str) -> list[str]:
        return [c.number for c, _left in client.get("/desk/", {"queue": "open", "q": query}).context["rows"]]

    assert numbers("包裹外箱") == [parcel.number]
    assert numbers("杯子") == [parcel.number]
    assert numbers("重新开具") == [other.number], "an agent's reply is searched too"
    assert numbers("退款") == []


def test_the_message_search_uses_the_trigram_index_on_postgresql():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT id FROM cases_caseevent WHERE UPPER(note::text) LIKE UPPER('%包裹外箱%')")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "case_event_note_trgm" in plan, plan


def test_a_canned_reply_is_filled_in_from_the_case_in_the_customers_language(client, agent):
    from cases.models import CannedReply

    reply = CannedReply.objects.create(
        title="Ship it back",
        body_en="Dear {name}, please send order {order} back with {rma} on the parcel.",
        body_zh="{name}您好，请将订单 {order} 寄回，并在包裹上写明 {rma}。{unknown}",
    )
    line = OrderLineFactory()
    line.order.customer.name = "王小明"
    line.order.customer.save()
    case = complaint(customer=line.order.customer, order=line.order)
    client.force_login(agent)
    page = client.get(f"/desk/cases/{case.number}/", {"canned": reply.pk})
    assert page.status_code == 200
    assert (
        page.context["draft"]
        == f"王小明您好，请将订单 {line.order.number} 寄回，并在包裹上写明 {case.number}。{{unknown}}"
    )
    assert client.get(f"/desk/cases/{case.number}/", {"canned": "999"}).status_code == 400
    CannedReply.objects.filter(pk=reply.pk).update(active=False)
    assert client.get(f"/desk/cases/{case.number}/", {"canned": reply.pk}).status_code == 400


def test_managers_edit_canned_replies_and_agents_only_read_them(client, agent, manager):
    client.force_login(manager)
    response = client.post(
        "/admin/cases/cannedreply/add/", {"title": "Hi", "body_en": "Hi {name}", "body_zh": "{name}您好", "position": 1}
    )
    assert response.status_code == 302
    client.force_login(agent)
    assert client.get("/admin/cases/cannedreply/").status_code == 200
    assert client.get("/admin/cases/cannedreply/add/").status_code == 403


def test_an_agent_records_a_cost_line_with_its_event(client, agent):
    case = complaint()
    client.force_login(agent)
    response = client.post(
        f"/desk/cases/{case.number}/costs/", {"kind": "shipping_back", "amount": "12.5", "note": "顺丰"}
    )
    assert response.status_code == 302
    line = case.costs.get()
    assert (line.kind, str(line.amount), line.created_by) == ("shipping_back", "12.50", agent)
    assert CaseEvent.objects.filter(case=case, type="cost").count() == 1
    assert "12.50" in client.get(f"/desk/cases/{case.number}/").content.decode()


@pytest.mark.parametrize(
    "data, message",
    [
        ({"kind": "bribe", "amount": "1"}, "Unknown cost kind"),
        ({"kind": "handling", "amount": "abc"}, "must be a number"),
        ({"kind": "handling", "amount": "-3"}, "more than 0"),
    ],
)
def test_a_bad_cost_line_is_a_400_and_nothing_is_written(client, agent, data, message):
    case = complaint()
    client.force_login(agent)
    response = client.post(f"/desk/cases/{case.number}/costs/", data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not case.costs.exists() and not CaseEvent.objects.filter(case=case, type="cost").exists()


def test_a_user_without_the_desk_role_cannot_record_costs(client, integration_user):
    case = complaint()
    client.force_login(integration_user)
    assert client.post(f"/desk/cases/{case.number}/costs/", {"kind": "handling", "amount": "5"}).status_code == 403
    assert not case.costs.exists()


def test_the_knowledge_base_is_searched_from_the_case_and_quoted_in_the_customers_language(client, agent):
    from cases.models import Article

    article = Article.objects.create(
        category="returns",
        title_en="How to pack a return",
        title_zh="如何打包退货",
        body_en="Put the item in its original box.",
        body_zh="请使用原包装箱打包商品。",
    )
    Article.objects.create(category="x", title_en="Old", title_zh="旧", body_en="包装", body_zh="包装", active=False)
    case = complaint(customer=CustomerFactory(language="zh-hans"))
    client.force_login(agent)
    found = client.get(f"/desk/cases/{case.number}/", {"kb": "打包"})
    assert [a.pk for a in found.context["articles"]] == [article.pk]
    assert [a.pk for a in client.get(f"/desk/cases/{case.number}/", {"kb": "original box"}).context["articles"]] == [
        article.pk
    ]
    assert client.get(f"/desk/cases/{case.number}/", {"kb": "nothing like this"}).context["articles"] == []
    quoted = client.get(f"/desk/cases/{case.number}/", {"article": article.pk})
    assert quoted.context["draft"] == "请使用原包装箱打包商品。"
    assert client.get(f"/desk/cases/{case.number}/", {"article": "x"}).status_code == 400


def test_managers_write_articles_and_agents_read_them(client, agent, manager):
    client.force_login(manager)
    data = {"category": "faq", "title_en": "T", "title_zh": "标题", "body_en": "B", "body_zh": "正文", "active": "on"}
    assert client.post("/admin/cases/article/add/", data).status_code == 302
    client.force_login(agent)
    assert client.get("/admin/cases/article/").status_code == 200
    assert client.post("/admin/cases/article/add/", data).status_code == 403


def received_return(agent) -> Case:
    from cases.services import LineRequest

    line = OrderLineFactory(quantity=1)
    case = create_case(
        customer=line.order.customer,
        kind="return",
        channel="portal",
        order=line.order,
        lines=[LineRequest(order_line=line, quantity=1)],
    )
    transition_case(case=case, name="approve", actor=agent)
    transition_case(case=case, name="ship_return", actor=agent, carrier="SF", tracking_number="SF1")
    transition_case(case=case, name="receive", actor=agent)
    return case


def test_the_warehouse_records_a_disposition_per_line_and_photos_beside_the_customers(client, agent):
    import io

    from PIL import Image

    case = received_return(agent)
    line = case.lines.get()
    client.force_login(agent)
    response = client.post(f"/desk/cases/{case.number}/lines/{line.pk}/disposition/", {"disposition": "refurbish"})
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.disposition == "refurbish"
    photo = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 90, 0)).save(photo, "PNG")
    photo.seek(0)
    photo.name = "shelf.png"
    response = client.post(f"/desk/cases/{case.number}/warehouse-photos/", {"photos": [photo]})
    assert response.status_code == 302
    stored = case.attachments.get()
    assert not stored.public and stored.uploaded_by == agent and stored.content_type == "image/png"
    page = client.get(f"/desk/cases/{case.number}/").content.decode()
    assert "Warehouse photo" in page and "Refurbish" in page


@pytest.mark.parametrize(
    "disposition, message", [("burn", "Choose a disposition"), ("restock", "once the goods are at the warehouse")]
)
def test_a_bad_disposition_is_refused_and_nothing_changes(client, agent, disposition, message):
    case = received_return(agent) if disposition == "burn" else complaint()
    line_id = case.lines.get().pk if disposition == "burn" else 1
    client.force_login(agent)
    response = client.post(f"/desk/cases/{case.number}/lines/{line_id}/disposition/", {"disposition": disposition})
    assert response.status_code == 400 and message in response.content.decode()
    assert not case.lines.exclude(disposition="").exists()


def test_a_fake_warehouse_photo_is_refused(client, agent):
    import io

    case = received_return(agent)
    fake = io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    fake.name = "x.svg"
    client.force_login(agent)
    response = client.post(f"/desk/cases/{case.number}/warehouse-photos/", {"photos": [fake]})
    assert response.status_code == 400 and "is not a JPEG, PNG or WebP photo" in response.content.decode()
    assert not case.attachments.exists()


def exchange_case(agent, tier="regular") -> Case:
    from cases.services import LineRequest

    line = OrderLineFactory(quantity=1)
    line.order.customer.tier = tier
    line.order.customer.save()
    case = create_case(
        customer=line.order.customer,
        kind="exchange",
        channel="portal",
        order=line.order,
        lines=[LineRequest(order_line=line, quantity=1)],
    )
    transition_case(case=case, name="approve", actor=agent)
    return case


def test_the_replacement_of_an_exchange_goes_out_after_inspection_with_its_tracking_number(client, agent):
    case = exchange_case(agent)
    client.force_login(agent)
    url = f"/desk/cases/{case.number}/replacement/"
    early = client.post(url, {"carrier": "SF", "tracking_number": "SF123456789012"})
    assert early.status_code == 400 and "once the returned item is inspected" in early.content.decode()
    transition_case(case=case, name="ship_return", actor=agent, carrier="SF", tracking_number="SF1")
    transition_case(case=case, name="receive", actor=agent)
    transition_case(case=case, name="inspect", actor=agent, passed=True, grade="A")
    bad = client.post(url, {"carrier": "SF", "tracking_number": "123"})
    assert bad.status_code == 400 and "does not look like" in bad.content.decode()
    assert client.post(url, {"carrier": "SF", "tracking_number": "sf 123456789012"}).status_code == 302
    case.refresh_from_db()
    assert (case.replacement_carrier, case.replacement_tracking_number) == ("SF", "SF123456789012")
    event = CaseEvent.objects.get(case=case, type="shipment")
    assert event.public and event.data["direction"] == "out"
    assert client.post(url, {"carrier": "SF", "tracking_number": "SF123456789013"}).status_code == 400, "only once"


def test_a_vip_exchange_ships_on_approval(client, agent):
    case = exchange_case(agent, tier="vip")
    client.force_login(agent)
    response = client.post(
        f"/desk/cases/{case.number}/replacement/", {"carrier": "JD", "tracking_number": "JDAB123456789"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.replacement_shipped_at is not None and case.status == CaseStatus.APPROVED


def test_a_complaint_sends_no_replacement(client, agent):
    case = complaint()
    client.force_login(agent)
    response = client.post(
        f"/desk/cases/{case.number}/replacement/", {"carrier": "SF", "tracking_number": "SF123456789012"}
    )
    assert response.status_code == 400 and "Only an exchange or a repair" in response.content.decode()


def test_two_cases_are_linked_both_ways_once(client, agent):
    a, b = complaint(), complaint()
    client.force_login(agent)
    assert client.post(f"/desk/cases/{a.number}/link/", {"other": b.number.lower(), "merge": "0"}).status_code == 302
    client.post(f"/desk/cases/{a.number}/link/", {"other": b.number, "merge": "0"})
    assert list(b.related.all()) == [a]
    assert CaseEvent.objects.filter(type="updated", data__fields=["related"]).count() == 2
    assert b.number in client.get(f"/desk/cases/{a.number}/").content.decode()


def test_a_new_duplicate_is_merged_into_the_customers_open_case(client, agent):
    customer = CustomerFactory()
    primary = complaint(customer=customer, reason_text="快递员态度恶劣")
    duplicate = complaint(customer=customer, reason_text="再次投诉：快递员扔包裹")
    client.force_login(agent)
    response = client.post(f"/desk/cases/{duplicate.number}/link/", {"other": primary.number, "merge": "1"})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == CaseStatus.CANCELLED and duplicate.merged_into == primary
    note = CaseEvent.objects.get(case=primary, type="note")
    assert "快递员扔包裹" in note.note and not note.public
    # Searching the duplicate's words now finds the primary (the duplicate is no longer open).
    found = [c.number for c, _ in client.get("/desk/", {"queue": "open", "q": "扔包裹"}).context["rows"]]
    assert found == [primary.number]


@pytest.mark.parametrize(
    "setup, message",
    [
        ("other_customer", "same customer"),
        ("self", "cannot be linked to itself"),
        ("unknown", "There is no case"),
        ("closed", "is closed"),
    ],
)
def test_a_bad_merge_is_refused_and_nothing_changes(client, agent, setup, message):
    customer = CustomerFactory()
    primary = complaint(customer=customer)
    duplicate = complaint(customer=CustomerFactory() if setup == "other_customer" else customer)
    if setup == "closed":
        transition_case(case=primary, name="cancel", actor=agent)
    other = {"self": duplicate.number, "unknown": "RMA-1900-000009"}.get(setup, primary.number)
    client.force_login(agent)
    response = client.post(f"/desk/cases/{duplicate.number}/link/", {"other": other, "merge": "1"})
    assert response.status_code == 400 and message in response.content.decode()
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None and duplicate.status != CaseStatus.CANCELLED


@pytest.fixture
def restricted(settings):
    settings.DESK_TEAMS_RESTRICT = True


def test_with_teams_restricting_an_agent_sees_only_their_teams_cases(client, agent, manager, restricted):
    mine, theirs = TeamFactory(code="mine"), TeamFactory(code="theirs")
    mine.members.add(agent)
    own = complaint(team=mine)
    foreign = complaint(team=theirs)
    Team.objects.filter(code="complaints").delete()  # the shipped complaint routing: this one stays unrouted
    nobody = complaint()
    client.force_login(agent)
    rows = {c.number for c, _ in client.get("/desk/?queue=open").context["rows"]}
    assert rows == {own.number, nobody.number}
    assert client.get(f"/desk/cases/{foreign.number}/").status_code == 404
    assert client.post(f"/desk/cases/{foreign.number}/message/", {"text": "x", "public": "1"}).status_code == 404
    api = token_client(agent)
    assert {r["number"] for r in api.get("/api/v1/cases/").json()["results"]} == {own.number, nobody.number}
    assert api.get(f"/api/v1/cases/{foreign.number}/").status_code == 404
    assert api.post(f"/api/v1/cases/{foreign.number}/transitions/start/", {}, format="json").status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == CaseStatus.NEW and not CaseEvent.objects.filter(case=foreign, type="reply").exists()
    # Managers see every team.
    client.force_login(manager)
    assert client.get(f"/desk/cases/{foreign.number}/").status_code == 200
    assert token_client(manager).get(f"/api/v1/cases/{foreign.number}/").status_code == 200


def test_a_case_assigned_to_the_agent_in_another_team_stays_visible(client, agent, restricted):
    other = TeamFactory(code="other")
    case = complaint(team=other, assignee=agent)
    client.force_login(agent)
    assert client.get(f"/desk/cases/{case.number}/").status_code == 200


def test_tags_are_set_on_the_case_and_filter_the_queue(client, agent):
    tagged, other = complaint(reason_code="late_delivery"), complaint()
    client.force_login(agent)
    response = client.post(f"/desk/cases/{tagged.number}/tags/", {"tags": "物流, urgent-refund，物流"})
    assert response.status_code == 302
    assert sorted(tagged.tags.values_list("name", flat=True)) == ["urgent-refund", "物流"]
    assert CaseEvent.objects.filter(case=tagged, type="updated", data__fields=["tags"]).count() == 1
    client.post(f"/desk/cases/{tagged.number}/tags/", {"tags": "物流, urgent-refund"})
    assert CaseEvent.objects.filter(case=tagged, type="updated", data__fields=["tags"]).count() == 1, "no change"

    def numbers(**query) -> list[str]:
        return [c.number for c, _ in client.get("/desk/", {"queue": "open", **query}).context["rows"]]

    assert numbers(tag="物流") == [tagged.number]
    assert numbers(reason="late_delivery") == [tagged.number]
    assert set(numbers()) == {tagged.number, other.number}


def test_too_many_tags_are_refused(client, agent):
    case = complaint()
    client.force_login(agent)
    response = client.post(f"/desk/cases/{case.number}/tags/", {"tags": ",".join(f"t{n}" for n in range(25))})
    assert response.status_code == 400 and "at most 20 tags" in response.content.decode()
    assert not case.tags.exists()

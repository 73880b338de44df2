"""A customer's export (everything held) and erasure (anonymisation that keeps the statistics),
by the services, the management commands and the customer admin's actions."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command

from cases.models import Attachment, Case, CaseEvent, CostLine, Customer, Order
from channels_app.models import ChatSession, ContactIdentity, Message, PortalCode, RawEmail
from feedback.models import FreeFeedback, SurveyResponse
from privacy import services
from privacy.models import AuditAction, AuditLog
from tests.accounts.factories import UserFactory
from tests.cases.factories import CustomerFactory
from tests.privacy.factories import ADDRESS, EMAIL, PHONE, SECRET_TEXTS
from tests.privacy.helpers import file_exists

pytestmark = pytest.mark.django_db

PERSONAL = (EMAIL, PHONE, PHONE.lstrip("+"), ADDRESS, "张伟", *SECRET_TEXTS, "shop-778")


def everything_stored_about(customer_id: int) -> str:
    """Every row the erasure touches, as one text to search personal data in."""
    case_ids = list(Case.objects.filter(customer_id=customer_id).values_list("pk", flat=True))
    rows = [
        *Customer.objects.filter(pk=customer_id).values(),
        *Order.objects.filter(customer_id=customer_id).values(),
        *Case.objects.filter(pk__in=case_ids).values(),
        *CaseEvent.objects.filter(case_id__in=case_ids).values(),
        *CostLine.objects.filter(case_id__in=case_ids).values(),
        *Attachment.objects.filter(case_id__in=case_ids).values(),
        *Message.objects.filter(case_id__in=case_ids).values(),
        *Message.objects.filter(customer_id=customer_id).values(),
        *ContactIdentity.objects.filter(customer_id=customer_id).values(),
        *ChatSession.objects.filter(customer_id=customer_id).values(),
        *PortalCode.objects.filter(customer_id=customer_id).values(),
        *SurveyResponse.objects.filter(case_id__in=case_ids).values(),
        *FreeFeedback.objects.filter(customer_id=customer_id).values(),
    ]
    raw = [bytes(r.content).decode() for r in RawEmail.objects.filter(message__case_id__in=case_ids)]
    return json.dumps(rows, default=str, ensure_ascii=False) + "".join(raw)


def statistics_of(customer_id: int) -> list:
    """What the KPIs read: per case its kind, channel, status, times, amounts, events and costs."""
    return [
        (
            c.number,
            c.kind,
            c.channel,
            c.status,
            c.priority,
            c.reason_code,
            c.created_at,
            c.resolved_at,
            c.closed_at,
            c.first_responded_at,
            c.reopened_count,
            c.refund_amount,
            c.assignee_id,
            c.resolution_type,
            [(e.type, e.public, e.actor_id, e.created_at, e.data.get("direction")) for e in c.events.all()],
            [(x.kind, x.amount) for x in c.costs.all()],
            [(s.csat, s.nps, s.ces, s.answered_at) for s in c.survey_responses.all()],
        )
        for c in Case.objects.filter(customer_id=customer_id).order_by("pk").prefetch_related("events", "costs")
    ]


# --- export -------------------------------------------------------------------------------------------


def test_the_export_holds_every_kind_of_personal_data_of_the_customer_and_nobody_elses(rich, agent):
    other = CustomerFactory(name="李四", email="li.si@example.cn")
    data = json.loads(services.export_customer(customer=rich.customer, actor=agent))
    assert data["customer"]["email"] == EMAIL and data["customer"]["phone"] == PHONE
    assert [o["shipping_address"] for o in data["orders"]] == [ADDRESS]
    assert {c["number"] for c in data["cases"]} == {rich.closed.number, rich.resolved.number}
    closed = next(c for c in data["cases"] if c["number"] == rich.closed.number)
    assert closed["subject"] == SECRET_TEXTS[0] and closed["reason_text"] == SECRET_TEXTS[1]
    assert SECRET_TEXTS[2] in [e["note"] for e in closed["events"]]
    assert [a["original_name"] for a in closed["attachments"]] == ["photo.jpg"]
    assert [c["note"] for c in closed["costs"]] == ["张伟 的补偿"]
    assert rich.inbound.pk in [m["id"] for m in data["messages"]]
    assert {i["value"] for i in data["contact_identities"]} == {EMAIL, PHONE.lstrip("+")}
    assert [r["comment"] for r in data["survey_responses"]] == ["张伟: 太慢了"]
    assert [f["text"] for f in data["free_feedback"]] == ["网站很难用 张伟"]
    assert len(data["chat_sessions"]) == 1 and "token" not in data["chat_sessions"][0]
    assert len(data["portal_codes"]) == 1 and "code_hash" not in data["portal_codes"][0]
    assert data["raw_emails"][0]["message_id"] == rich.inbound.pk
    text = json.dumps(data, ensure_ascii=False)
    assert other.email not in text and "李四" not in text
    row = AuditLog.objects.get(action=AuditAction.EXPORT)
    assert row.actor == agent and row.customer_ref == rich.customer.pk and row.detail["cases"] == 2


def test_the_zip_export_carries_the_json_the_attachment_files_and_the_raw_emails(rich):
    content = services.export_customer(customer=rich.customer, zipped=True)
    archive = zipfile.ZipFile(io.BytesIO(content))
    names = archive.namelist()
    assert "customer.json" in names
    photo = f"attachments/{rich.closed.number}/{rich.attachment.pk}-photo.jpg"
    assert archive.read(photo) == b"\xff\xd8\xff fake jpeg"
    assert archive.read(f"raw/{rich.inbound.pk}.eml").startswith(f"From: {EMAIL}".encode())
    assert json.loads(archive.read("customer.json"))["customer"]["id"] == rich.customer.pk


def test_export_command_writes_json_to_stdout_and_a_zip_to_a_file_and_says_what_it_does(rich, tmp_path, capsys):
    out, err = io.StringIO(), io.StringIO()
    call_command("export_customer", str(rich.customer.pk), stdout=out, stderr=err)
    assert json.loads(out.getvalue())["customer"]["phone"] == PHONE
    assert f"Exporting customer {rich.customer.pk}" in err.getvalue()
    target = tmp_path / "c.zip"
    err = io.StringIO()
    call_command("export_customer", "--email", EMAIL.upper(), "--output", str(target), stderr=err)
    assert zipfile.ZipFile(target).read("customer.json")
    assert "file cases/" in err.getvalue() and f"to {target}" in err.getvalue()
    assert AuditLog.objects.filter(action=AuditAction.EXPORT, customer_ref=rich.customer.pk).count() == 2


@pytest.mark.parametrize(
    "args, message",
    [
        (["999999"], "There is no such customer."),
        (["abc"], "must be a number"),
        ([], "Name exactly one customer"),
        (["1", "--email", "x@example.cn"], "Name exactly one customer"),
        (["--external-id", "nope"], "There is no such customer."),
        (["{pk}", "--actor", "ghost"], "There is no user"),
        (["{pk}", "--zip"], "A zip needs --output"),
        (["{pk}", "--output", "/no/such/folder/x.json"], "does not exist"),
    ],
)
def test_export_command_refuses_bad_input_with_a_clear_message_and_logs_nothing(rich, args, message):
    args = [a.format(pk=rich.customer.pk) for a in args]
    with pytest.raises(CommandError, match=message):
        call_command("export_customer", *args, stdout=io.StringIO(), stderr=io.StringIO())
    assert not AuditLog.objects.filter(action=AuditAction.EXPORT).exists()


# --- erasure ------------------------------------------------------------------------------------------


def test_erasure_wipes_every_personal_field_and_keeps_the_statistics(rich, agent, django_capture_on_commit_callbacks):
    before = statistics_of(rich.customer.pk)
    stored = everything_stored_about(rich.customer.pk)
    assert all(value in stored for value in PERSONAL), "the data set really holds the personal data"
    photo = rich.attachment.file.name
    with django_capture_on_commit_callbacks(execute=True):
        result = services.erase_customer(customer=rich.customer, actor=agent, reason="GDPR request #12")
    left = everything_stored_about(rich.customer.pk)
    for value in PERSONAL:
        assert value not in left, value
    assert statistics_of(rich.customer.pk) == before
    customer = Customer.objects.get(pk=rich.customer.pk)
    assert customer.tier == "regular" and customer.email == "" and customer.phone == ""
    assert not ContactIdentity.objects.filter(customer=customer).exists()
    assert not RawEmail.objects.filter(message=rich.inbound).exists()
    assert not Attachment.objects.filter(case__customer=customer).exists()
    assert not file_exists(photo), "the attachment file is deleted after the commit"
    assert Message.objects.get(pk=rich.inbound.pk).dedupe_key == "test:<m1@example.cn>"  # a re-poll adds nothing
    assert result.counts["cases"] == 2 and result.counts["attachments"] == 1
    row = AuditLog.objects.get(action=AuditAction.ERASE)
    assert row.customer_ref == customer.pk and row.reason == "GDPR request #12" and row.actor == agent


def test_erasure_is_all_or_nothing_a_failure_midway_changes_nothing_and_deletes_no_file(
    rich, agent, monkeypatch, django_capture_on_commit_callbacks
):
    stored = everything_stored_about(rich.customer.pk)

    def broken(**kwargs):  # the last write of the erasure (the audit row) fails
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "log_access", broken)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        services.erase_customer(customer=rich.customer, actor=agent)
    assert callbacks == []
    assert everything_stored_about(rich.customer.pk) == stored
    assert file_exists(rich.attachment.file.name)


def test_files_are_deleted_only_after_the_commit(rich, agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.erase_customer(customer=rich.customer, actor=agent)
    assert file_exists(rich.attachment.file.name), "nothing is deleted before the transaction commits"
    for callback in callbacks:
        callback()
    assert not file_exists(rich.attachment.file.name)


def test_a_customer_with_an_open_case_is_not_erased_and_nothing_changes(rich, agent):
    from cases.services import create_case

    open_case = create_case(customer=rich.customer, kind="complaint", channel="email", actor=agent)
    stored = everything_stored_about(rich.customer.pk)
    with pytest.raises(services.PrivacyError, match=open_case.number):
        services.erase_customer(customer=rich.customer, actor=agent)
    assert everything_stored_about(rich.customer.pk) == stored
    assert not AuditLog.objects.filter(action=AuditAction.ERASE).exists()


def test_erasing_twice_is_refused_and_an_erased_customer_has_nothing_to_export(rich, agent):
    services.erase_customer(customer=rich.customer, actor=agent)
    with pytest.raises(services.PrivacyError, match="already erased"):
        services.erase_customer(customer=rich.customer, actor=agent)
    with pytest.raises(services.PrivacyError, match="was erased"):
        services.export_customer(customer=rich.customer, actor=agent)
    assert AuditLog.objects.filter(action=AuditAction.ERASE).count() == 1


def test_erase_command_shows_progress_and_refuses_without_yes_when_the_answer_is_no(rich, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    with pytest.raises(CommandError, match="Nothing erased"):
        call_command("erase_customer", str(rich.customer.pk), stdout=io.StringIO())
    assert Customer.objects.get(pk=rich.customer.pk).phone == PHONE
    out = io.StringIO()
    call_command("erase_customer", str(rich.customer.pk), "--yes", "--reason", "ticket 7", stdout=out)
    text = out.getvalue()
    assert "Cases: 2" in text and "Messages:" in text and f"Customer {rich.customer.pk} erased" in text
    assert Customer.objects.get(pk=rich.customer.pk).phone == ""
    with pytest.raises(CommandError, match="already erased"):
        call_command("erase_customer", str(rich.customer.pk), "--yes", stdout=io.StringIO())


def test_erase_command_names_the_open_cases_it_refuses_for(rich, agent):
    from cases.services import create_case

    open_case = create_case(customer=rich.customer, kind="inquiry", channel="email", actor=agent)
    with pytest.raises(CommandError, match=f"open cases \\({open_case.number}\\)"):
        call_command("erase_customer", str(rich.customer.pk), "--yes", stdout=io.StringIO())


# --- the customer admin's actions --------------------------------------------------------------------

CHANGELIST = "/admin/cases/customer/"


def test_admin_exports_one_customer_as_a_zip_and_it_is_audited(client, admin_user, rich):
    client.force_login(admin_user)
    response = client.post(CHANGELIST, {"action": "export_personal_data", "_selected_action": [rich.customer.pk]})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("customer.json"))["customer"]["email"] == EMAIL
    row = AuditLog.objects.get(action=AuditAction.EXPORT)
    assert row.actor == admin_user and row.ip == "127.0.0.1"


def test_admin_export_of_two_customers_at_once_is_refused_with_a_message(client, admin_user, rich):
    other = CustomerFactory()
    client.force_login(admin_user)
    response = client.post(
        CHANGELIST, {"action": "export_personal_data", "_selected_action": [rich.customer.pk, other.pk]}, follow=True
    )
    assert "Select exactly one customer to export." in response.content.decode()
    assert not AuditLog.objects.filter(action=AuditAction.EXPORT).exists()


def test_admin_erasure_asks_for_confirmation_and_a_reason_then_erases(client, admin_user, rich):
    client.force_login(admin_user)
    selected = {"action": "erase_personal_data", "_selected_action": [rich.customer.pk]}
    page = client.post(CHANGELIST, selected)
    assert page.status_code == 200 and 'id="erase-customers"' in page.content.decode()
    assert Customer.objects.get(pk=rich.customer.pk).phone == PHONE, "the first post only asks"
    no_reason = client.post(CHANGELIST, {**selected, "confirm": "yes", "reason": " "}, follow=True)
    assert "Say why the data is erased" in no_reason.content.decode()
    assert Customer.objects.get(pk=rich.customer.pk).phone == PHONE
    done = client.post(CHANGELIST, {**selected, "confirm": "yes", "reason": "DSR-2026-04"}, follow=True)
    assert f"Erased: {rich.customer.pk}." in done.content.decode()
    assert Customer.objects.get(pk=rich.customer.pk).phone == ""
    assert AuditLog.objects.get(action=AuditAction.ERASE).reason == "DSR-2026-04"


def test_admin_erasure_reports_a_refusal_and_erases_the_others(client, admin_user, rich, agent):
    from cases.services import create_case

    plain = CustomerFactory(phone="+8613700000000")
    create_case(customer=rich.customer, kind="inquiry", channel="email", actor=agent)  # open: refused
    client.force_login(admin_user)
    done = client.post(
        CHANGELIST,
        {
            "action": "erase_personal_data",
            "_selected_action": [rich.customer.pk, plain.pk],
            "confirm": "yes",
            "reason": "batch",
        },
        follow=True,
    )
    body = done.content.decode()
    assert f"Erased: {plain.pk}." in body and "still has open cases" in body
    assert Customer.objects.get(pk=plain.pk).phone == "" and Customer.objects.get(pk=rich.customer.pk).phone == PHONE


def test_a_manager_without_the_privacy_permissions_has_neither_action(client, manager, rich):
    client.force_login(manager)
    page = client.get(CHANGELIST)
    assert page.status_code == 200
    body = page.content.decode()
    assert "export_personal_data" not in body and "erase_personal_data" not in body
    response = client.post(
        CHANGELIST,
        {"action": "erase_personal_data", "_selected_action": [rich.customer.pk], "confirm": "yes", "reason": "x"},
    )
    assert response.status_code in (200, 302)
    assert Customer.objects.get(pk=rich.customer.pk).phone == PHONE
    assert not AuditLog.objects.filter(action__in=[AuditAction.ERASE, AuditAction.EXPORT]).exists()


def test_a_user_given_the_erase_permission_may_erase(client, rich):
    from django.contrib.auth.models import Permission

    dpo = UserFactory(username="dpo", role="manager")
    dpo.user_permissions.add(Permission.objects.get(codename="erase_personal_data"))
    client.force_login(dpo)
    client.post(
        CHANGELIST,
        {"action": "erase_personal_data", "_selected_action": [rich.customer.pk], "confirm": "yes", "reason": "r"},
    )
    assert Customer.objects.get(pk=rich.customer.pk).phone == ""

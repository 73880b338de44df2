"""seed_demo: demo data in every kind and status through the real services, idempotent, with the
demo users in their groups and customers in Chinese and English."""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from cases.models import (
    Case,
    CaseEvent,
    CaseKind,
    CaseStatus,
    Channel,
    Customer,
    CustomerTier,
    EventType,
    Order,
    PolicyOutcome,
    Product,
    ProductFlag,
    ReturnPolicy,
)
from core import phones
from devdata.demo.catalogue import CUSTOMERS
from devdata.management.commands import seed_demo as seed_demo_command
from devdata.state_machine import reachable_statuses

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def local_run(settings, monkeypatch):
    """A local look: DEBUG on (the test runner turns it off) and the default demo passwords."""
    settings.DEBUG = True
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.delenv("HOST", raising=False)


def run_seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def statuses_by_kind() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {kind: set() for kind in CaseKind.values}
    for kind, status in Case.objects.values_list("kind", "status"):
        found[kind].add(status)
    return found


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in ("cases", "auth") and not model._meta.proxy
    }


def test_reachable_statuses_follow_the_state_machine():
    shipping = set(CaseStatus.values)
    assert reachable_statuses(CaseKind.RETURN) == shipping
    assert reachable_statuses(CaseKind.REFUND_ONLY) == shipping - {
        CaseStatus.IN_TRANSIT,
        CaseStatus.RECEIVED,
        CaseStatus.INSPECTED,
    }
    assert reachable_statuses(CaseKind.COMPLAINT) == {
        CaseStatus.NEW,
        CaseStatus.IN_PROGRESS,
        CaseStatus.AWAITING_CUSTOMER,
        CaseStatus.RESOLVED,
        CaseStatus.CLOSED,
        CaseStatus.REJECTED,
        CaseStatus.CANCELLED,
    }


def test_seed_demo_covers_every_kind_in_every_reachable_status_and_every_channel():
    output = run_seed()

    found = statuses_by_kind()
    for kind in CaseKind.values:
        assert found[kind] == reachable_statuses(kind), kind
    assert set(Case.objects.values_list("channel", flat=True)) == set(Channel.values)
    # The policy really decided: some approved, some rejected (exclusions, expired windows), some reviewed.
    outcomes = set(Case.objects.values_list("policy_outcome", flat=True))
    assert {PolicyOutcome.APPROVE, PolicyOutcome.REJECT, PolicyOutcome.REVIEW} <= outcomes
    assert ReturnPolicy.objects.filter(code="shop-default").exists()
    # Every status change is a state-machine step with its event, in time order.
    for case in Case.objects.exclude(status=CaseStatus.NEW).prefetch_related("events"):
        events = list(case.events.all())
        assert events[0].type == EventType.CREATED
        steps = [e for e in events if e.type == EventType.TRANSITION]
        assert steps and steps[-1].to_status == case.status
        times = [e.created_at for e in events]
        assert times == sorted(times)
    assert CaseEvent.objects.filter(transition="reopen").exists()
    assert "Demo ready." in output


def test_most_demo_returns_are_inside_their_window():
    run_seed()
    returns = Case.objects.filter(kind=CaseKind.RETURN)
    approved = returns.filter(policy_outcome=PolicyOutcome.APPROVE).count()
    assert approved > returns.count() / 2


def test_demo_catalogue_has_the_products_the_statutory_rules_name():
    run_seed()
    flags = {flag for product_flags in Product.objects.values_list("flags", flat=True) for flag in product_flags}
    assert {ProductFlag.CUSTOM_MADE, ProductFlag.PERISHABLE, ProductFlag.DIGITAL, ProductFlag.HYGIENE} <= flags
    assert Order.objects.count() >= 20
    assert Order.objects.filter(delivered_at__isnull=True).exists()


def test_customers_in_chinese_and_english_with_vips():
    run_seed()
    chinese = Customer.objects.filter(language="zh-hans")
    english = Customer.objects.filter(language="en")
    assert chinese.count() >= 5 and english.count() >= 4
    assert all(phone.startswith("+86") for phone in chinese.values_list("phone", flat=True))
    assert chinese.filter(name="张伟").exists()
    assert Customer.objects.filter(tier=CustomerTier.VIP).count() >= 2


def test_demo_users_are_in_their_groups_with_the_printed_passwords():
    output = run_seed()
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["agent", "manager", "admin"])}
    assert set(users) == {"agent", "manager", "admin"}
    assert users["agent"].is_staff and not users["agent"].is_superuser
    assert list(users["agent"].groups.values_list("name", flat=True)) == ["agent"]
    assert list(users["manager"].groups.values_list("name", flat=True)) == ["manager"]
    assert users["admin"].is_superuser and users["admin"].is_staff
    assert users["agent"].has_perm("cases.decide_case")
    for name, user in users.items():
        password = f"demo-{name}-2026"
        assert user.check_password(password)
        assert f"{name}" in output and password in output
    assert "http://127.0.0.1:8000/" in output and "/admin/" in output


def test_second_run_changes_nothing_and_keeps_passwords():
    run_seed()
    before = row_counts()
    agent = get_user_model().objects.get(username="agent")
    agent.set_password("my own secret 123")
    agent.save()

    output = run_seed()

    assert row_counts() == before
    assert "already there" in output
    agent.refresh_from_db()
    assert agent.check_password("my own secret 123")


def test_reset_passwords_sets_them_from_demo_password(monkeypatch):
    run_seed()
    monkeypatch.setenv("DEMO_PASSWORD", "Shared-demo-pass-9")
    output = run_seed("--reset-passwords")
    for user in get_user_model().objects.filter(username__in=["agent", "manager", "admin"]):
        assert user.check_password("Shared-demo-pass-9")
    assert "Shared-demo-pass-9" in output


def test_seed_demo_works_without_the_policy_command(monkeypatch):
    commands = {name: app for name, app in seed_demo_command.get_commands().items() if name != "load_policy_templates"}
    monkeypatch.setattr(seed_demo_command, "get_commands", lambda: commands)

    output = run_seed()

    assert not ReturnPolicy.objects.exists()
    assert "load_policy_templates" in output
    found = statuses_by_kind()
    for kind in CaseKind.values:
        assert found[kind] == reachable_statuses(kind), kind


def test_seed_demo_refuses_published_passwords_in_production(settings, monkeypatch):
    settings.DEBUG = False
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="DEMO_PASSWORD"):
        run_seed()
    assert not get_user_model().objects.filter(username="admin").exists()


def test_the_demo_customers_phones_are_valid_e164():
    for _key, _name, _email, phone, _tier, _language in CUSTOMERS:
        assert phones.e164(phone) == phone

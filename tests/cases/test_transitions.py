"""The case state machine: every legal step of every kind works, every other step is refused."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from cases import services
from cases.exceptions import CaseChanged, InvalidInput, TransitionForbidden, TransitionNotAllowed
from cases.models import Case, CaseEvent, CaseStatus, CostKind, CostLine
from cases.signals import case_event_recorded
from core import clock
from tests.cases.factories import CaseFactory, OrderLineFactory
from tests.cases.state_spec import EXPECTED, HAPPY_PATHS, KINDS, PARAMS, STATUSES, STEPS


def force_status(case: Case, status: str) -> Case:
    """Put a test case into a status directly (the model refuses this; tests may use SQL)."""
    Case.objects.filter(pk=case.pk).update(status=status, resolved_at=clock.now())
    return Case.objects.get(pk=case.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_happy_path_of_each_kind_reaches_closed_with_one_event_per_step(kind, agent):
    case = CaseFactory(kind=kind)
    for step in HAPPY_PATHS[kind]:
        before = case.status
        services.transition_case(case=case, name=step, actor=agent, **PARAMS.get(step, {}))
        assert case.status == EXPECTED[(kind, before, step)]
        # Follow-ups the step schedules are events of their own (a resolved complaint's revisit).
        steps = CaseEvent.objects.filter(case=case).exclude(type="follow_up")
        event = steps.latest("id")
        assert (event.transition, event.from_status, event.to_status) == (step, before, case.status)
        assert event.actor == agent
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert CaseEvent.objects.filter(case=case).exclude(type="follow_up").count() == len(HAPPY_PATHS[kind])
    assert case.version == 1 + len(HAPPY_PATHS[kind])


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_every_step_from_every_status_is_allowed_exactly_as_designed(kind, agent):
    for status in STATUSES:
        for step in STEPS:
            case = force_status(CaseFactory(kind=kind), status)
            target = EXPECTED.get((kind, status, step))
            if target is None:
                with pytest.raises(TransitionNotAllowed) as err:
                    services.transition_case(case=case, name=step, actor=agent, **PARAMS.get(step, {}))
                assert case.number in err.value.message
                stored = Case.objects.get(pk=case.pk)
                assert stored.status == status, (kind, status, step)
                assert not CaseEvent.objects.filter(case=case).exists()
            else:
                services.transition_case(case=case, name=step, actor=agent, **PARAMS.get(step, {}))
                assert Case.objects.get(pk=case.pk).status == target, (kind, status, step)
                assert CaseEvent.objects.filter(case=case, transition=step).count() == 1


@pytest.mark.django_db
def test_status_cannot_be_set_directly():
    case = CaseFactory()
    with pytest.raises(AttributeError):
        case.status = CaseStatus.CLOSED


@pytest.mark.django_db
def test_unknown_step_is_refused_with_its_name(agent):
    case = CaseFactory()
    with pytest.raises(TransitionNotAllowed, match="teleport"):
        services.transition_case(case=case, name="teleport", actor=agent)


@pytest.mark.django_db
def test_condition_unmet_says_which(agent):
    case = CaseFactory(kind="complaint")
    with pytest.raises(TransitionNotAllowed, match="about goods"):
        services.transition_case(case=case, name="approve", actor=agent)


@pytest.mark.django_db
def test_reopen_within_window_counts_and_after_window_is_refused(agent, settings):
    settings.CASE_REOPEN_WINDOW_DAYS = 15
    case = force_status(CaseFactory(kind="inquiry"), "resolved")
    services.transition_case(case=case, name="reopen", actor=agent)
    assert case.status == "in_progress" and case.reopened_count == 1

    late = force_status(CaseFactory(kind="inquiry"), "resolved")
    Case.objects.filter(pk=late.pk).update(resolved_at=clock.now() - timedelta(days=16))
    late.refresh_from_db()
    with pytest.raises(TransitionNotAllowed, match="reopen window"):
        services.transition_case(case=late, name="reopen", actor=agent)
    assert Case.objects.get(pk=late.pk).status == "resolved"


@pytest.mark.django_db
def test_user_without_permission_is_forbidden_and_nothing_changes(outsider, integration_user):
    case = CaseFactory()
    for user in (outsider, integration_user):
        with pytest.raises(TransitionForbidden):
            services.transition_case(case=case, name="approve", actor=user)
    assert Case.objects.get(pk=case.pk).status == "new"
    assert not CaseEvent.objects.filter(case=case).exists()


@pytest.mark.django_db
def test_system_actor_needs_no_permission():
    case = CaseFactory()
    services.transition_case(case=case, name="approve", actor=None)
    event = CaseEvent.objects.get(case=case)
    assert event.actor is None and event.actor_label == "system"


@pytest.mark.django_db
def test_reject_needs_a_reason_the_customer_sees(agent):
    case = CaseFactory()
    with pytest.raises(InvalidInput, match="reason"):
        services.transition_case(case=case, name="reject", actor=agent, reason="  ")
    services.transition_case(case=case, name="reject", actor=agent, reason="Hygiene item was opened")
    case.refresh_from_db()
    assert case.rejection_reason == "Hygiene item was opened"
    assert CaseEvent.objects.get(case=case).public is True


@pytest.mark.django_db
def test_unexpected_parameters_are_refused(agent):
    case = CaseFactory()
    with pytest.raises(InvalidInput, match="colour"):
        services.transition_case(case=case, name="approve", actor=agent, colour="red")
    assert Case.objects.get(pk=case.pk).status == "new"


@pytest.mark.django_db
def test_stale_version_is_a_conflict_and_changes_nothing(agent):
    case = CaseFactory()
    with pytest.raises(CaseChanged):
        services.transition_case(case=case, name="approve", actor=agent, expected_version=case.version - 1 or 99)
    assert Case.objects.get(pk=case.pk).status == "new"
    services.transition_case(case=case, name="approve", actor=agent, expected_version=case.version)
    assert case.status == "approved"


@pytest.mark.django_db
def test_stale_object_loses_to_a_saved_change(agent):
    case = CaseFactory()
    first = Case.objects.get(pk=case.pk)
    second = Case.objects.get(pk=case.pk)
    services.transition_case(case=first, name="approve", actor=agent)
    with pytest.raises(CaseChanged):
        services.transition_case(case=second, name="cancel", actor=agent)
    assert Case.objects.get(pk=case.pk).status == "approved"
    assert CaseEvent.objects.filter(case=case).count() == 1


@pytest.mark.django_db
def test_refund_never_exceeds_what_was_paid_less_earlier_refunds(agent):
    line = OrderLineFactory(unit_price=Decimal("100.00"), quantity=2)
    order = line.order
    assert order.paid_amount == Decimal("200.00")
    first = force_status(CaseFactory(kind="refund_only", customer=order.customer, order=order), "approved")
    with pytest.raises(InvalidInput, match="200.00"):
        services.transition_case(
            case=first, name="resolve", actor=agent, resolution_type="refund", refund_amount="200.01"
        )
    services.transition_case(case=first, name="resolve", actor=agent, resolution_type="refund", refund_amount="150")
    assert CostLine.objects.get(case=first).amount == Decimal("150.00")
    assert CostLine.objects.get(case=first).kind == CostKind.REFUND

    second = force_status(CaseFactory(kind="refund_only", customer=order.customer, order=order), "approved")
    with pytest.raises(InvalidInput, match="50.00"):
        services.transition_case(
            case=second, name="resolve", actor=agent, resolution_type="partial_refund", refund_amount="60"
        )
    services.transition_case(
        case=second, name="resolve", actor=agent, resolution_type="partial_refund", refund_amount="50"
    )
    assert Case.objects.get(pk=second.pk).refund_amount == Decimal("50.00")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params, message",
    [
        ({"resolution_type": "refund"}, "refund amount"),
        ({"resolution_type": "refund", "refund_amount": "-1"}, "negative"),
        ({"resolution_type": "refund", "refund_amount": "abc"}, "number"),
        ({"resolution_type": "teleport"}, "Unknown resolution"),
        ({"resolution_type": "goodwill_coupon", "refund_amount": "10"}, "Only a refunding"),
    ],
)
def test_bad_resolution_input_is_refused_and_nothing_changes(agent, params, message):
    case = force_status(CaseFactory(kind="refund_only"), "approved")
    with pytest.raises(InvalidInput, match=message):
        services.transition_case(case=case, name="resolve", actor=agent, **params)
    assert Case.objects.get(pk=case.pk).status == "approved"
    assert not CaseEvent.objects.filter(case=case).exists()


@pytest.mark.django_db
def test_inspection_failure_is_recorded_and_resolution_can_send_item_back(agent):
    case = force_status(CaseFactory(kind="return"), "received")
    with pytest.raises(InvalidInput, match="passed"):
        services.transition_case(case=case, name="inspect", actor=agent, passed="maybe")
    services.transition_case(
        case=case, name="inspect", actor=agent, passed=False, grade="D", inspection_note="Not ours"
    )
    services.transition_case(case=case, name="resolve", actor=agent, resolution_type="returned_to_customer")
    case.refresh_from_db()
    assert (case.inspection_passed, case.inspection_grade, case.status) == (False, "D", "resolved")


@pytest.mark.django_db
def test_signal_is_sent_inside_the_transaction_and_on_commit_work_is_dropped_on_rollback(
    agent, django_capture_on_commit_callbacks
):
    delivered = []

    def receiver(sender, case, event, **kwargs):
        transaction.on_commit(lambda: delivered.append(event.transition))

    case_event_recorded.connect(receiver)
    try:
        case = CaseFactory()
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
            services.transition_case(case=case, name="approve", actor=agent)
            raise RuntimeError("the surrounding work failed")
        assert delivered == []
        assert not CaseEvent.objects.filter(case=case).exists()
        assert Case.objects.get(pk=case.pk).status == "new"

        case = Case.objects.get(pk=case.pk)
        with django_capture_on_commit_callbacks(execute=True):
            services.transition_case(case=case, name="approve", actor=agent)
        assert delivered == ["approve"]
    finally:
        case_event_recorded.disconnect(receiver)


@pytest.mark.django_db
def test_case_numbers_are_sequential_per_year_and_readable():
    year = clock.now().year
    first = services.allocate_case_number(year=year)
    second = services.allocate_case_number(year=year)
    other_year = services.allocate_case_number(year=year + 1)
    prefix, y, n = first.split("-")
    assert prefix == "RMA" and y == str(year) and len(n) == 6
    assert int(second.split("-")[2]) == int(n) + 1
    assert other_year == f"RMA-{year + 1}-000001"

"""The refund ledger's invariants under random sequences of what people do (hypothesis, stateful).

Two cases on one order (a refund-only case on its first line, a complaint about the whole order)
are resolved, reopened, resolved again with random amounts, by an agent (with a limit), a manager
or an administrator; agents ask for approvals that managers or administrators grant or turn down;
the shop reports refunds as succeeded, failed or cancelled. After every step:

* the live refunds of the order never add up to more than it was paid, nor those of a line more
  than the line was paid;
* one refund record per accepted refund (the model below predicts each), one ``refund`` event and
  one refund cost line per refund that still stands;
* a refusal happened exactly when the model says the request could not be met.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from cases.exceptions import CaseError, InvalidInput, NeedsApproval
from cases.models import (
    LIVE_REFUND_STATUSES,
    CaseEvent,
    CaseStatus,
    CostKind,
    CostLine,
    EventType,
    Refund,
    RefundStatus,
)
from cases.money import ledger as refunds
from cases.money.approvals import approval_limit, pending
from cases.services import LineRequest, create_case, decide_approval, request_approval, transition_case
from tests.accounts.factories import UserFactory
from tests.cases.factories import CustomerFactory, OrderFactory, OrderLineFactory

CENTS = st.integers(min_value=1, max_value=70000).map(lambda c: (Decimal(c) / 100).quantize(Decimal("0.01")))


class LedgerMachine(RuleBasedStateMachine):
    @initialize(first=st.integers(min_value=100, max_value=60000), second=st.integers(min_value=100, max_value=60000))
    def open_order(self, first, second):
        self.n = getattr(self, "n", 0) + 1
        customer = CustomerFactory()
        order = OrderFactory(customer=customer)
        self.line1 = OrderLineFactory(order=order, quantity=1, unit_price=Decimal(first) / 100)
        self.line2 = OrderLineFactory(order=order, quantity=1, unit_price=Decimal(second) / 100)
        order.refresh_from_db()
        self.order = order
        self.users = {role: UserFactory(role=role) for role in ("agent", "manager", "admin")}
        line_case = create_case(
            customer=customer,
            kind="refund_only",
            channel="portal",
            order=order,
            lines=[LineRequest(order_line=self.line1, quantity=1)],
        )
        if line_case.status == CaseStatus.NEW:
            transition_case(case=line_case, name="approve", actor=None)
        assert line_case.status == CaseStatus.APPROVED, line_case.policy_explanation
        complaint = create_case(customer=customer, kind="complaint", channel="email", order=order)
        transition_case(case=complaint, name="start", actor=None)
        self.cases = [line_case, complaint]
        # The model: what each case should have refunded (live), per refund id what stands.
        self.expected = {case.pk: Decimal("0.00") for case in self.cases}
        self.accepted = 0

    # --- helpers -----------------------------------------------------------------------------------

    def fresh(self, i: int):
        case = self.cases[i]
        case.refresh_from_db()
        return case

    def live(self, **filters) -> Decimal:
        rows = Refund.objects.filter(order=self.order, status__in=LIVE_REFUND_STATUSES, **filters)
        return sum(rows.values_list("amount", flat=True), Decimal("0.00"))

    def room(self, i: int) -> Decimal:
        """What the model says case i may still add: the order's remainder, and its line's for case 0."""
        left = self.order.paid_amount - self.live()
        if i == 0:
            on_line = self.live(lines__order_line=self.line1)
            left = min(left, self.line1.paid_amount - on_line)
        return max(left, Decimal("0.00"))

    def attempt_resolve(self, i: int, role: str, amount: Decimal):
        case = self.fresh(i)
        if case.status not in (CaseStatus.APPROVED, CaseStatus.IN_PROGRESS) or pending(case) is not None:
            return
        before_live, room = self.expected[case.pk], self.room(i)
        user = self.users[role]
        limit = approval_limit(user=user, resolution_type="refund")
        over_limit = (
            limit is not None and amount > before_live and amount + refunds.case_compensation(case=case) > limit
        )
        count = Refund.objects.count()
        try:
            transition_case(case=case, name="resolve", actor=user, resolution_type="refund", refund_amount=amount)
        except NeedsApproval:
            assert amount <= before_live + room, "the amount check comes before the limit"
            assert over_limit
            assert Refund.objects.count() == count
            return
        except InvalidInput:
            assert amount < before_live or amount - before_live > room, (amount, before_live, room)
            assert Refund.objects.count() == count
            return
        assert not over_limit
        assert before_live <= amount <= before_live + room
        if amount > before_live:
            self.accepted += 1
        self.expected[case.pk] = amount

    # --- what people do ----------------------------------------------------------------------------

    @rule(i=st.integers(0, 1), role=st.sampled_from(["agent", "manager", "admin"]), amount=CENTS)
    def resolve(self, i, role, amount):
        self.attempt_resolve(i, role, amount)

    @rule(i=st.integers(0, 1), role=st.sampled_from(["agent", "manager", "admin"]))
    def resolve_with_the_rest(self, i, role):
        """A partial refund up to everything that is left (the edge the limit and the lock guard)."""
        self.attempt_resolve(i, role, self.expected[self.cases[i].pk] + self.room(i))

    @rule(i=st.integers(0, 1))
    def reopen(self, i):
        case = self.fresh(i)
        if case.status == CaseStatus.RESOLVED:
            transition_case(case=case, name="reopen", actor=self.users["manager"])

    @rule(i=st.integers(0, 1), amount=CENTS)
    def agent_asks_for_approval(self, i, amount):
        case = self.fresh(i)
        if case.status not in (CaseStatus.APPROVED, CaseStatus.IN_PROGRESS) or pending(case) is not None:
            return
        try:
            request_approval(case=case, actor=self.users["agent"], resolution_type="refund", refund_amount=amount)
        except InvalidInput:
            before, room = self.expected[case.pk], self.room(i)
            assert amount < before or amount - before > room

    @rule(i=st.integers(0, 1), approver=st.sampled_from(["manager", "admin"]), approve=st.booleans())
    def someone_decides(self, i, approver, approve):
        case = self.fresh(i)
        request = pending(case)
        if request is None:
            return
        before, room = self.expected[case.pk], self.room(i)
        count = Refund.objects.count()
        try:
            decide_approval(request=request, actor=self.users[approver], approve=approve)
        except CaseError:
            assert Refund.objects.count() == count
            return
        if approve:
            assert before <= request.refund_amount <= before + room
            if request.refund_amount > before:
                self.accepted += 1
            self.expected[case.pk] = request.refund_amount

    @precondition(lambda self: Refund.objects.filter(status=RefundStatus.REQUESTED).exists())
    @rule(data=st.data(), outcome=st.sampled_from(["succeeded", "failed", "cancelled"]))
    def the_shop_reports(self, data, outcome):
        open_ids = list(
            Refund.objects.filter(order=self.order, status=RefundStatus.REQUESTED).values_list("pk", flat=True)
        )
        if not open_ids:
            return
        refund = Refund.objects.get(pk=data.draw(st.sampled_from(open_ids)))
        refunds.settle_refund(refund=refund, actor=self.users["admin"], status=outcome)
        if outcome != "succeeded":
            self.expected[refund.case_id] -= refund.amount

    # --- what must always hold ---------------------------------------------------------------------

    @invariant()
    def never_more_than_paid(self):
        if not hasattr(self, "order"):
            return
        assert self.live() <= self.order.paid_amount
        assert self.live(lines__order_line=self.line1) <= self.line1.paid_amount
        assert refunds.order_is_within_paid(order=self.order)

    @invariant()
    def the_ledger_matches_the_model(self):
        if not hasattr(self, "order"):
            return
        for case in self.cases:
            assert refunds.case_refunded(case=case) == self.expected[case.pk]
        all_refunds = Refund.objects.filter(order=self.order)
        assert all_refunds.count() == self.accepted, "one refund record per accepted refund"
        events = CaseEvent.objects.filter(case__order=self.order, type=EventType.REFUND, data__status="requested")
        assert events.count() == self.accepted, "one event per refund"
        standing = all_refunds.filter(status__in=LIVE_REFUND_STATUSES)
        cost_lines = CostLine.objects.filter(case__order=self.order, kind=CostKind.REFUND)
        assert sorted(cost_lines.values_list("amount", flat=True)) == sorted(standing.values_list("amount", flat=True))
        assert not cost_lines.filter(refund__isnull=True).exists(), "refund cost lines come from the ledger only"


@pytest.mark.django_db
def test_the_ledger_never_pays_more_than_was_paid_whatever_people_do():
    LedgerMachine.TestCase.settings = settings(
        max_examples=25,
        stateful_step_count=20,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    LedgerMachine.TestCase().runTest()

"""Opening a case: validation of what the customer or agent asked for, the case and its lines, the return
policy's verdict, routing, and the ``created`` event, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.exceptions import InvalidInput
from cases.models import (
    GOODS_KINDS,
    Case,
    CaseKind,
    CaseLine,
    Channel,
    Customer,
    EventType,
    Order,
    OrderLine,
    PolicyOutcome,
    Priority,
    ProductVariant,
    ReasonCode,
    Team,
)
from cases.policy import engine as policy
from cases.workflow import routing
from cases.workflow.events import allocate_case_number, record_event
from cases.workflow.transitions import transition_case
from core import clock


@dataclass(frozen=True)
class LineRequest:
    """A line of a case as the customer or agent asks for it."""

    order_line: OrderLine
    quantity: int
    opened: bool = False
    requested_variant: ProductVariant | None = None


def _validate_new_case(
    *,
    customer: Customer,
    kind: str,
    channel: str,
    order: Order | None,
    lines: list[LineRequest],
    reason_code: str,
    priority: str,
) -> None:
    if kind not in CaseKind.values:
        raise InvalidInput(_("Unknown case kind “%(kind)s”.") % {"kind": kind})
    if channel not in Channel.values:
        raise InvalidInput(_("Unknown channel “%(channel)s”.") % {"channel": channel})
    if reason_code not in ReasonCode.values:
        raise InvalidInput(_("Unknown reason “%(reason)s”.") % {"reason": reason_code})
    if priority not in Priority.values:
        raise InvalidInput(_("Unknown priority “%(priority)s”.") % {"priority": priority})
    if order is not None and order.customer_id != customer.pk:
        raise InvalidInput(_("Order %(order)s does not belong to this customer.") % {"order": order.number})
    if kind in GOODS_KINDS:
        if order is None:
            raise InvalidInput(
                _("This kind of case (%(kind)s) needs the order it is about.") % {"kind": CaseKind(kind).label}
            )
        if not lines:
            raise InvalidInput(_("Choose at least one order line and a quantity."))
    seen = set()
    for line in lines:
        if order is None or line.order_line.order_id != order.pk:
            raise InvalidInput(_("Line %(line)s is not a line of this case's order.") % {"line": line.order_line.pk})
        if line.order_line.pk in seen:
            raise InvalidInput(_("Line %(line)s is listed twice.") % {"line": line.order_line.line_no})
        seen.add(line.order_line.pk)
        if line.quantity < 1:
            raise InvalidInput(_("The quantity of each line must be at least 1."))
        if line.quantity > line.order_line.quantity:
            raise InvalidInput(
                _("Line %(line)s: %(asked)s asked, but only %(bought)s bought.")
                % {"line": line.order_line.line_no, "asked": line.quantity, "bought": line.order_line.quantity}
            )
        if line.requested_variant is not None and kind != CaseKind.EXCHANGE:
            raise InvalidInput(_("Only an exchange can ask for another variant."))


def create_case(
    *,
    customer: Customer,
    kind: str,
    channel: str,
    actor: User | None = None,
    actor_label: str | None = None,
    order: Order | None = None,
    lines: list[LineRequest] | tuple[LineRequest, ...] = (),
    reason_code: str = ReasonCode.OTHER,
    reason_text: str = "",
    subject: str = "",
    priority: str = Priority.NORMAL,
    has_photos: bool = False,
    team: Team | None = None,
    assignee: User | None = None,
) -> Case:
    """Open a case and let the return policy decide goods cases at once.

    The policy's answer is recorded on the case and in a ``policy`` event: approve moves the case
    to ``approved``, reject to ``rejected`` with the reason in the customer's language, review
    leaves it ``new`` for an agent. Complaints and inquiries are not decided by the policy.
    """
    lines = list(lines)
    _validate_new_case(
        customer=customer,
        kind=kind,
        channel=channel,
        order=order,
        lines=lines,
        reason_code=reason_code,
        priority=priority,
    )
    now = clock.now()
    with transaction.atomic():
        routed = None
        if team is None and assignee is None:
            routed = routing.route(kind=kind, channel=channel, customer=customer)
            team, assignee = routed.team, routed.assignee
        if lines:
            # Serialise claims on the same order lines so two cases cannot both take the last unit.
            list(OrderLine.objects.select_for_update().filter(pk__in=[ln.order_line.pk for ln in lines]))
        case = Case.objects.create(
            number=allocate_case_number(year=timezone.localtime(now).year),
            kind=kind,
            channel=channel,
            priority=priority,
            reason_code=reason_code,
            reason_text=reason_text,
            subject=subject,
            customer=customer,
            order=order,
            team=team,
            assignee=assignee,
            currency=order.currency if order else "CNY",
            created_at=now,
        )
        _add_lines(case=case, lines=lines)
        record_event(
            case=case,
            type=EventType.CREATED,
            actor=actor,
            actor_label=actor_label,
            at=now,
            public=True,
            channel=channel,
            to_status=case.status,
            note=reason_text,
            data={
                "kind": kind,
                "reason": reason_code,
                "lines": [[ln.order_line.pk, ln.quantity] for ln in lines],
                "routed": routed.reason if routed else "given",
            },
        )
        if kind in GOODS_KINDS:
            _apply_policy(case=case, lines=lines, has_photos=has_photos, at=now)
    return case


def _add_lines(*, case: Case, lines: list[LineRequest]) -> None:
    CaseLine.objects.bulk_create(
        [
            CaseLine(
                case=case,
                order_line=ln.order_line,
                quantity=ln.quantity,
                opened=ln.opened,
                requested_variant=ln.requested_variant,
            )
            for ln in lines
        ]
    )


def _apply_policy(*, case: Case, lines: list[LineRequest], has_photos: bool, at: datetime) -> None:
    decision = policy.evaluate(
        kind=case.kind,
        customer=case.customer,
        order=case.order,
        lines=[policy.PolicyLine(order_line=ln.order_line, quantity=ln.quantity, opened=ln.opened) for ln in lines],
        reason_code=case.reason_code,
        has_photos=has_photos,
        at=at,
        exclude_case_id=case.pk,
    )
    case.policy_outcome = decision.outcome
    case.policy_rule = decision.rule
    case.policy_explanation = decision.as_json()
    case.version += 1
    case.save(update_fields=["policy_outcome", "policy_rule", "policy_explanation", "version", "updated_at"])
    with translation.override(case.customer.language):
        customer_text = decision.explain()
    record_event(
        case=case,
        type=EventType.POLICY,
        actor=None,
        at=at,
        public=True,
        note=customer_text,
        data={
            "outcome": decision.outcome,
            "rule": decision.rule.pk if decision.rule else None,
            "explanation": decision.as_json(),
        },
    )
    if decision.outcome == PolicyOutcome.APPROVE:
        transition_case(case=case, name="approve", actor=None, note=customer_text)
    elif decision.outcome == PolicyOutcome.REJECT:
        transition_case(case=case, name="reject", actor=None, reason=customer_text)

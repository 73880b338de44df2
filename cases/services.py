"""Every write to a case goes through these functions.

Each one runs in a single transaction that changes the rows, writes the ``CaseEvent`` (the audit
trail and the timeline) and sends ``case_event_recorded``; a rolled-back change leaves nothing
behind and, because receivers defer their side effects to ``on_commit``, sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from cases.exceptions import CaseChanged, InvalidInput, TransitionForbidden, TransitionNotAllowed
from cases.models import (
    FINAL_STATUSES,
    GOODS_KINDS,
    REFUNDING_RESOLUTIONS,
    TRANSITION_NAMES,
    Attachment,
    Case,
    CaseEvent,
    CaseKind,
    CaseLine,
    CaseNumberCounter,
    CaseStatus,
    Channel,
    CostKind,
    CostLine,
    Customer,
    CustomerTier,
    Disposition,
    EventType,
    InspectionGrade,
    Order,
    OrderLine,
    PolicyOutcome,
    Priority,
    ProductVariant,
    ReasonCode,
    ResolutionType,
    Tag,
    Team,
)
from cases.models.case import CONDITION_LABELS, WORK
from cases.money import approvals
from cases.money import ledger as refunds
from cases.policy import engine as policy
from cases.signals import case_event_recorded
from cases.workflow import routing
from core import clock

SYSTEM = "system"

# --- case numbers ---------------------------------------------------------------------------------


def allocate_case_number(*, year: int) -> str:
    """Hand out the next number of the year, e.g. RMA-2026-000123, in one atomic statement.

    ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` works on PostgreSQL and SQLite alike; the
    row lock it takes is held to the end of the caller's transaction, so numbers never repeat and
    a rolled-back case gives its number back.
    """
    table = CaseNumberCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, last) VALUES (%s, 1) "  # noqa: S608 - table name is ours
            f"ON CONFLICT (year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [year],
        )
        (last,) = cursor.fetchone()
    return f"{settings.CASE_NUMBER_PREFIX}-{year}-{last:06d}"


# --- events ---------------------------------------------------------------------------------------


def actor_label_for(actor: AbstractBaseUser | None, fallback: str = SYSTEM) -> str:
    if actor is None:
        return fallback
    return actor.get_full_name() or actor.get_username()


def record_event(
    *,
    case: Case,
    type: str,
    actor: AbstractBaseUser | None,
    at=None,
    actor_label: str | None = None,
    note: str = "",
    public: bool = False,
    channel: str = "",
    transition: str = "",
    from_status: str = "",
    to_status: str = "",
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    """Write one CaseEvent and announce it. Call inside the transaction of the change."""
    event = CaseEvent.objects.create(
        case=case,
        type=type,
        actor=actor,
        actor_label=actor_label or actor_label_for(actor),
        note=note,
        public=public,
        channel=channel,
        transition=transition,
        from_status=from_status,
        to_status=to_status,
        data=data or {},
        created_at=at or clock.now(),
    )
    case_event_recorded.send(sender=Case, case=case, event=event)
    return event


# --- creating a case ------------------------------------------------------------------------------


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
    actor: AbstractBaseUser | None = None,
    actor_label: str | None = None,
    order: Order | None = None,
    lines: list[LineRequest] | tuple = (),
    reason_code: str = ReasonCode.OTHER,
    reason_text: str = "",
    subject: str = "",
    priority: str = Priority.NORMAL,
    has_photos: bool = False,
    team: Team | None = None,
    assignee: AbstractBaseUser | None = None,
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


def _apply_policy(*, case: Case, lines: list[LineRequest], has_photos: bool, at) -> None:
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


# --- transitions ----------------------------------------------------------------------------------


def _transitions_named(name: str):
    field = Case._meta.get_field("status")
    return [t for t in field.get_all_transitions(Case) if t.name == name]


def step_label(name: str) -> str:
    """The translated label of a step ("Approve", "批准"), for messages a person reads."""
    for t in _transitions_named(name):
        label = t.custom.get("label")
        if label:
            return str(label)
    return name


def transition_permission(name: str) -> str | None:
    """The permission a transition requires (one per name by construction)."""
    perms = {t.permission for t in _transitions_named(name)}
    return next(iter(perms)) if perms else None


def _clean_text(params: dict, key: str, *, required: bool = False, max_length: int = 2000) -> str:
    value = params.pop(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(_("“%(field)s” must be text.") % {"field": key})
    value = value.strip()
    if required and not value:
        raise InvalidInput(_("“%(field)s” is required for this step.") % {"field": key})
    if len(value) > max_length:
        raise InvalidInput(_("“%(field)s” is too long (at most %(n)s characters).") % {"field": key, "n": max_length})
    return value


def _clean_params(*, case: Case, name: str, params: dict) -> dict:
    """Check the inputs a transition takes; anything unknown or wrong is a clear 400."""
    params = dict(params)
    cleaned: dict[str, Any] = {}
    if name == "reject":
        cleaned["reason"] = _clean_text(params, "reason", required=True)
    elif name == "ship_return":
        cleaned["carrier"] = _clean_text(params, "carrier", max_length=32)
        cleaned["tracking_number"] = _clean_text(params, "tracking_number", max_length=64)
    elif name == "inspect":
        passed = params.pop("passed", None)
        if not isinstance(passed, bool):
            raise InvalidInput(_("Say whether the inspection passed (“passed”: true or false)."))
        grade = _clean_text(params, "grade", max_length=1)
        if grade and grade not in InspectionGrade.values:
            raise InvalidInput(_("Unknown inspection grade “%(grade)s”.") % {"grade": grade})
        cleaned.update(passed=passed, grade=grade, inspection_note=_clean_text(params, "inspection_note"))
    elif name == "resolve":
        resolution = _clean_text(params, "resolution_type", required=True, max_length=24)
        if resolution not in ResolutionType.values:
            raise InvalidInput(_("Unknown resolution “%(value)s”.") % {"value": resolution})
        raw_amount = params.pop("refund_amount", None)
        amount = None
        if raw_amount not in (None, ""):
            try:
                amount = Decimal(str(raw_amount)).quantize(Decimal("0.01"))
            except (InvalidOperation, ValueError) as exc:
                raise InvalidInput(_("The refund amount must be a number.")) from exc
            if amount < 0:
                raise InvalidInput(_("The refund amount cannot be negative."))
        if resolution in REFUNDING_RESOLUTIONS:
            if amount is None:
                raise InvalidInput(_("This resolution pays money back: give the refund amount."))
        elif amount:
            raise InvalidInput(_("Only a refunding resolution takes a refund amount."))
        cleaned.update(
            resolution_type=resolution, refund_amount=amount, resolution_note=_clean_text(params, "resolution_note")
        )
    if params:
        raise InvalidInput(
            _("The step “%(name)s” does not take: %(fields)s.") % {"name": name, "fields": ", ".join(sorted(params))}
        )
    return cleaned


def transition_case(
    *,
    case: Case,
    name: str,
    actor: AbstractBaseUser | None,
    note: str = "",
    channel: str = "",
    actor_label: str | None = None,
    expected_version: int | None = None,
    approval: Any = None,
    refund_key: str | None = None,
    **params: Any,
) -> Case:
    """Move a case along its state machine.

    A ``resolve`` with a refunding resolution brings the case's refunds up to ``refund_amount``
    through the refund ledger (``cases.money.ledger``), in the same transaction; ``approval`` is the
    granted request it carries out and ``refund_key`` the refund's idempotency key (by default one
    per resolve of the case).

    ``actor`` None means the system (policy engine, timers), which needs no permission. Raises
    ``TransitionForbidden`` (no permission), ``TransitionNotAllowed`` (not from this status, a
    condition unmet, or an unknown name), ``InvalidInput`` (bad parameters) and ``CaseChanged``
    (someone changed the case since it was read; the caller must reload it).
    """
    if name not in TRANSITION_NAMES:
        raise TransitionNotAllowed(_("There is no step called “%(name)s”.") % {"name": name})
    if actor is not None:
        permission = transition_permission(name)
        if permission and not actor.has_perm(permission):
            raise TransitionForbidden(_("You do not have permission to “%(step)s” cases.") % {"step": step_label(name)})
    if expected_version is not None and expected_version != case.version:
        raise CaseChanged(
            _(
                "Case %(number)s changed since you loaded it (version %(theirs)s, now %(ours)s). "
                "Reload it and try again."
            )
            % {"number": case.number, "theirs": expected_version, "ours": case.version}
        )
    method = getattr(case, name)
    if not can_proceed(method, check_conditions=False):
        raise TransitionNotAllowed(
            _("Case %(number)s cannot “%(step)s” while it is %(status)s.")
            % {"number": case.number, "step": step_label(name), "status": CaseStatus(case.status).label}
        )
    if not can_proceed(method):
        raise TransitionNotAllowed(
            _("Case %(number)s cannot “%(step)s”: %(why)s.")
            % {
                "number": case.number,
                "step": step_label(name),
                "why": "; ".join(unmet_conditions(case=case, name=name)),
            }
        )
    cleaned = _clean_params(case=case, name=name, params=params)
    refunding = name == "resolve" and cleaned["resolution_type"] in REFUNDING_RESOLUTIONS
    note = note.strip() if isinstance(note, str) else ""
    at = clock.now()
    from_status = case.status
    earlier_refund = case.refund_amount
    try:
        with transaction.atomic():
            if refunding:
                # The refund ledger: lock the order first, then check the amount and the approval
                # limit against what it holds now; every other refund of the order waits here.
                ledger = refunds.lock_order(case=case)
                refunds.check_total(case=case, total=cleaned["refund_amount"], now=ledger)
                approvals.check_limit(
                    user=actor,
                    case=case,
                    resolution_type=cleaned["resolution_type"],
                    amount=cleaned["refund_amount"],
                    refunded=ledger.refunded if ledger else None,
                )
            method(at=at, **cleaned)
            if name == "resolve" and not refunding:
                # A case reopened after a refund keeps it, whatever it is resolved with next.
                case.refund_amount = (refunds.case_refunded(case=case) or None) if earlier_refund else None
            case.version += 1
            case.save()
            data = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in cleaned.items()}
            record_event(
                case=case,
                type=EventType.TRANSITION,
                actor=actor,
                actor_label=actor_label,
                at=at,
                transition=name,
                from_status=from_status,
                to_status=case.status,
                channel=channel,
                note=note or cleaned.get("reason", ""),
                public=True,
                data=data,
            )
            if refunding and ledger is not None:
                refunds.record_refund(
                    case=case,
                    now=ledger,
                    total=cleaned["refund_amount"],
                    resolution_type=cleaned["resolution_type"],
                    actor=actor,
                    approval=approval,
                    key=refund_key or f"case-{case.pk}-resolve-{case.version}",
                    reason=cleaned.get("resolution_note", ""),
                )
    except ConcurrentTransition as exc:
        raise CaseChanged(
            _("Case %(number)s was changed by someone else at the same time. Reload it and try again.")
            % {"number": case.number}
        ) from exc
    return case


def save_case_edit(*, case: Case, actor: AbstractBaseUser | None, changed_fields: list[str]) -> Case:
    """Save field edits made in a form (the admin) with the same locking and audit as any change.

    One ``updated`` (or ``assigned``) event lists the changed fields; a stale form raises
    ``CaseChanged`` and writes nothing.
    """
    if not changed_fields:
        return case
    event_type = EventType.ASSIGNED if {"assignee", "team"} & set(changed_fields) else EventType.UPDATED
    return _save_locked(
        case,
        then=lambda: record_event(
            case=case,
            type=event_type,
            actor=actor,
            public=False,
            data={"fields": sorted(changed_fields), "assignee": case.assignee_id, "team": case.team_id},
        ),
    )


def _save_locked(case: Case, *, then) -> Case:
    """Save the case's edited fields with optimistic locking, then ``then()`` in the same transaction.

    A write that lost the race raises ``CaseChanged`` and writes nothing.
    """
    try:
        with transaction.atomic():
            case.version += 1
            case.save()
            then()
    except ConcurrentTransition as exc:
        case.version -= 1
        raise CaseChanged(
            _("Case %(number)s was changed by someone else meanwhile. Reload it and try again.")
            % {"number": case.number}
        ) from exc
    return case


def assign_case(*, case: Case, actor: AbstractBaseUser, assignee_id: int | str | None, priority: str) -> Case:
    """Assign (or unassign) the case and set its priority, with one audit event; the SLA follows."""
    from django.contrib.auth import get_user_model

    if not actor.has_perm("cases.change_case"):
        raise TransitionForbidden(_("Your role does not allow changing cases."))
    if priority not in Priority.values:
        raise InvalidInput(_("Unknown priority “%(priority)s”.") % {"priority": priority})
    assignee = None
    if assignee_id not in (None, ""):
        if str(assignee_id).isdigit():
            assignee = get_user_model().objects.filter(pk=int(assignee_id), is_active=True, is_staff=True).first()
        if assignee is None:
            raise InvalidInput(_("There is no such agent."))
    changed = []
    if case.assignee_id != (assignee.pk if assignee else None):
        case.assignee = assignee
        changed.append("assignee")
    if case.priority != priority:
        case.priority = priority
        changed.append("priority")
    return save_case_edit(case=case, actor=actor, changed_fields=changed)


REPLACEMENT_KINDS = (CaseKind.EXCHANGE, CaseKind.REPAIR)


def ship_replacement(*, case: Case, actor: AbstractBaseUser, carrier: str, tracking_number: str) -> Case:
    """The replacement (exchange) or the repaired item goes out to the customer, with its tracking number.

    Once the returned item is inspected (or resolved); for a VIP exchange already on approval
    (instant exchange). The customer sees it on the timeline and is emailed.
    """
    from cases.catalog.carriers import CARRIERS, normal_tracking, tracking_matches

    if not actor.has_perm(WORK):
        raise TransitionForbidden(_("Your role does not allow writing on cases."))
    if case.kind not in REPLACEMENT_KINDS:
        raise InvalidInput(_("Only an exchange or a repair sends an item back out."))
    allowed = {CaseStatus.INSPECTED, CaseStatus.RESOLVED}
    if case.kind == CaseKind.EXCHANGE and case.customer.tier == CustomerTier.VIP:
        allowed |= {CaseStatus.APPROVED, CaseStatus.IN_TRANSIT, CaseStatus.RECEIVED}
    if case.status not in allowed:
        raise InvalidInput(_("The replacement goes out once the returned item is inspected."))
    if case.replacement_shipped_at is not None:
        raise InvalidInput(_("The replacement of case %(number)s has already been sent.") % {"number": case.number})
    if carrier not in CARRIERS:
        raise InvalidInput(_("Choose the carrier from the list."))
    number = normal_tracking(tracking_number)
    if not tracking_matches(carrier, number):
        raise InvalidInput(
            _("“%(number)s” does not look like a %(carrier)s tracking number. Check it on your receipt.")
            % {"number": number[:40], "carrier": CARRIERS[carrier][0]}
        )
    at = clock.now()
    case.replacement_carrier, case.replacement_tracking_number, case.replacement_shipped_at = carrier, number, at
    return _save_locked(
        case,
        then=lambda: record_event(
            case=case,
            type=EventType.SHIPMENT,
            actor=actor,
            at=at,
            public=True,
            note=_("Your item is on its way: %(carrier)s %(number)s.")
            % {"carrier": CARRIERS[carrier][0], "number": number},
            data={"direction": "out", "carrier": carrier, "tracking": number},
        ),
    )


def set_tags(*, case: Case, actor: AbstractBaseUser, text: str) -> Case:
    """Set the case's tags from comma-separated names (new names become tags), with one audit event."""
    if not actor.has_perm("cases.change_case"):
        raise TransitionForbidden(_("Your role does not allow changing cases."))
    names = sorted({name.strip()[:50] for name in (text or "").replace("，", ",").split(",") if name.strip()})
    if len(names) > 20:
        raise InvalidInput(_("Give at most %(n)s tags.") % {"n": 20})
    before = sorted(case.tags.values_list("name", flat=True))
    if names == before:
        return case
    with transaction.atomic():
        tags = [Tag.objects.get_or_create(name=name)[0] for name in names]
        case.tags.set(tags)
        record_event(case=case, type=EventType.UPDATED, actor=actor, data={"fields": ["tags"], "tags": names})
    return case


def _other_case(case: Case, number: str) -> Case:
    number = (number or "").strip().upper()
    other = Case.objects.select_related("customer").filter(number=number).first()
    if other is None:
        raise InvalidInput(_("There is no case %(number)s.") % {"number": number[:40]})
    if other.pk == case.pk:
        raise InvalidInput(_("A case cannot be linked to itself."))
    return other


def link_cases(*, case: Case, other_number: str, actor: AbstractBaseUser) -> Case:
    """Link two cases (both timelines say so); linking twice changes nothing."""
    if not actor.has_perm(WORK):
        raise TransitionForbidden(_("Your role does not allow writing on cases."))
    other = _other_case(case, other_number)
    with transaction.atomic():
        if case.related.filter(pk=other.pk).exists():
            return other
        case.related.add(other)
        for one, two in ((case, other), (other, case)):
            record_event(
                case=one, type=EventType.UPDATED, actor=actor, data={"fields": ["related"], "case": two.number}
            )
    return other


def merge_case(*, duplicate: Case, into_number: str, actor: AbstractBaseUser) -> Case:
    """Merge a new duplicate into the case the customer already has: the duplicate is cancelled with
    a note and linked, its description and messages are copied onto the primary's timeline as an
    internal note. Only a case still ``new`` (nothing done on it yet) can be merged away."""
    if not actor.has_perm(WORK):
        raise TransitionForbidden(_("Your role does not allow writing on cases."))
    primary = _other_case(duplicate, into_number)
    if primary.customer_id != duplicate.customer_id:
        raise InvalidInput(_("Only a case of the same customer can be merged."))
    if duplicate.status != CaseStatus.NEW:
        raise InvalidInput(_("Only a new case can be merged into another; link it instead."))
    if primary.status in FINAL_STATUSES:
        raise InvalidInput(_("Case %(number)s is closed: merge into an open case.") % {"number": primary.number})
    texts = [duplicate.reason_text] + list(
        duplicate.events.filter(type=EventType.REPLY).order_by("created_at").values_list("note", flat=True)
    )
    with transaction.atomic():
        transition_case(
            case=duplicate,
            name="cancel",
            actor=actor,
            note=_("Merged into %(number)s.") % {"number": primary.number},
        )
        duplicate.merged_into = primary
        Case.objects.filter(pk=duplicate.pk).update(merged_into=primary)
        duplicate.related.add(primary)
        record_event(
            case=primary,
            type=EventType.NOTE,
            actor=actor,
            note="\n\n".join(t for t in texts if t),
            data={"merged": duplicate.number},
        )
    return primary


AT_WAREHOUSE = (CaseStatus.RECEIVED, CaseStatus.INSPECTED, CaseStatus.RESOLVED, CaseStatus.CLOSED)


def set_disposition(*, case: Case, line_id: int | str, disposition: str, actor: AbstractBaseUser) -> CaseLine:
    """What the warehouse does with a returned line (restock, refurbish, scrap, back to the supplier).

    Analytics counts dispositions by SKU and supplier; the goods must be at the warehouse.
    """
    if not actor.has_perm(WORK):
        raise TransitionForbidden(_("Your role does not allow writing on cases."))
    if disposition not in Disposition.values:
        raise InvalidInput(_("Choose a disposition from the list."))
    if case.status not in AT_WAREHOUSE:
        raise InvalidInput(_("Record the disposition once the goods are at the warehouse."))
    line = case.lines.select_related("order_line").filter(pk=int(line_id)).first() if str(line_id).isdigit() else None
    if line is None:
        raise InvalidInput(_("This line is not part of case %(number)s.") % {"number": case.number})
    with transaction.atomic():
        line.disposition = disposition
        line.save(update_fields=["disposition"])
        record_event(
            case=case,
            type=EventType.UPDATED,
            actor=actor,
            data={"fields": ["disposition"], "line": line.pk, "sku": line.order_line.sku, "disposition": disposition},
        )
    return line


def add_warehouse_photos(*, case: Case, actor: AbstractBaseUser, uploads: list) -> list[Attachment]:
    """Photos the warehouse takes of the returned goods, kept beside the customer's (internal)."""
    from cases.workflow.photos import clean_photo

    if not actor.has_perm("cases.add_attachment"):
        raise TransitionForbidden(_("Your role does not allow adding photos."))
    if not uploads:
        raise InvalidInput(_("Choose at least one photo."))
    if len(uploads) > 10:
        raise InvalidInput(_("Send at most %(n)s photos.") % {"n": 10})
    cleaned = [clean_photo(upload) for upload in uploads]
    with transaction.atomic():
        rows = [
            Attachment.objects.create(
                case=case,
                file=ContentFile(photo.data, name=photo.name),
                original_name=photo.name,
                content_type=photo.content_type,
                size=len(photo.data),
                public=False,
                uploaded_by=actor,
            )
            for photo in cleaned
        ]
        record_event(case=case, type=EventType.UPDATED, actor=actor, data={"fields": ["photos"], "count": len(rows)})
    return rows


def add_cost_line(*, case: Case, actor: AbstractBaseUser, kind: str, amount: Any, note: str = "") -> CostLine:
    """Record money the case cost the shop (shipping, compensation, repair, handling), with its event.

    Never a refund: refund cost lines are written by the refund ledger only (``cases.money.ledger``)."""
    if not actor.has_perm("cases.add_costline"):
        raise TransitionForbidden(_("Your role does not allow recording costs."))
    if kind not in CostKind.values:
        raise InvalidInput(_("Unknown cost kind “%(kind)s”.") % {"kind": kind})
    if kind == CostKind.REFUND:
        raise InvalidInput(
            _("Refunds are not recorded by hand: resolve the case with a refund, and the refund ledger records it.")
        )
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("The amount must be a number, for example 12.50.")) from None
    if not Decimal("0") < value < Decimal("1000000"):
        raise InvalidInput(_("The amount must be more than 0 and less than 1,000,000."))
    note = (note or "").strip()[:200]
    with transaction.atomic():
        line = CostLine.objects.create(
            case=case, kind=kind, amount=value, currency=case.currency, note=note, created_by=actor
        )
        record_event(
            case=case,
            type=EventType.COST,
            actor=actor,
            note=note,
            data={"kind": kind, "amount": str(value), "currency": case.currency},
        )
    return line


def add_message(*, case: Case, actor: AbstractBaseUser, text: str, public: bool = True, channel: str = "") -> CaseEvent:
    """An agent writes on the case: a reply the customer sees (and is emailed), or an internal note.

    A public reply is a response: it stops the first- and next-response clocks (``cases.sla.clocks``).
    """
    if not actor.has_perm(WORK):
        raise TransitionForbidden(_("Your role does not allow writing on cases."))
    text = text.strip() if isinstance(text, str) else ""
    if not text:
        raise InvalidInput(_("Write the message first."), details={"text": [_("This field is required.")]})
    if len(text) > 5000:
        raise InvalidInput(_("The message is too long (at most %(n)s characters).") % {"n": 5000})
    if public and case.status in FINAL_STATUSES:
        raise InvalidInput(
            _("Case %(number)s is closed: the customer is not written to any more.") % {"number": case.number}
        )
    return record_event(
        case=case,
        type=EventType.REPLY if public else EventType.NOTE,
        actor=actor,
        note=text,
        public=public,
        channel=channel or case.channel,
        data={"direction": "out"} if public else {},
    )


def unmet_conditions(*, case: Case, name: str) -> list[str]:
    """Labels of the conditions that keep ``name`` from running from the case's status."""
    unmet = []
    for t in _transitions_named(name):
        if t.source not in (case.status, "*"):
            continue
        for condition in t.conditions:
            if not condition(case):
                unmet.append(str(CONDITION_LABELS.get(condition.__name__, condition.__name__)))
    return unmet


__all__ = [
    "LineRequest",
    "add_cost_line",
    "add_warehouse_photos",
    "link_cases",
    "merge_case",
    "set_disposition",
    "set_tags",
    "ship_replacement",
    "add_message",
    "assign_case",
    "allocate_case_number",
    "create_case",
    "record_event",
    "save_case_edit",
    "transition_case",
    "transition_permission",
    "unmet_conditions",
]


# --- assignment from the admin (issue 16: the admin is no back door) ------------------------------


def check_assignment(
    *, actor: AbstractBaseUser, team_id: int | str | None, assignee_id: int | str | None, priority: str
) -> tuple[Team | None, Any]:
    """The team, assignee and priority someone asks for, checked as the desk checks them
    (``assign_case``): who may change cases, a known priority, an existing team, an active staff
    assignee. Returns ``(team, assignee)``; raises ``TransitionForbidden`` or ``InvalidInput``."""
    from django.contrib.auth import get_user_model

    if not actor.has_perm("cases.change_case"):
        raise TransitionForbidden(_("Your role does not allow changing cases."))
    if priority not in Priority.values:
        raise InvalidInput(_("Unknown priority “%(priority)s”.") % {"priority": priority})
    team = None
    if team_id not in (None, ""):
        team = Team.objects.filter(pk=int(team_id)).first() if str(team_id).isdigit() else None
        if team is None:
            raise InvalidInput(_("There is no such team."))
    assignee = None
    if assignee_id not in (None, ""):
        if str(assignee_id).isdigit():
            assignee = get_user_model().objects.filter(pk=int(assignee_id), is_active=True, is_staff=True).first()
        if assignee is None:
            raise InvalidInput(_("There is no such agent."))
    return team, assignee


def reassign_case(
    *,
    case: Case,
    actor: AbstractBaseUser,
    team_id: int | str | None,
    assignee_id: int | str | None,
    priority: str,
    also_changed: list[str] | tuple[str, ...] = (),
) -> Case:
    """Move the case to a team and assignee and set its priority (the admin's form), with the desk's
    checks (``check_assignment``) and one ``assigned`` (or ``updated``) event through
    ``save_case_edit``; the SLA clocks follow a new priority. ``case`` carries its stored team,
    assignee and priority; ``also_changed`` names plain fields the form changed with it (subject,
    reason, tags), recorded in the same event."""
    team, assignee = check_assignment(actor=actor, team_id=team_id, assignee_id=assignee_id, priority=priority)
    changed = list(also_changed)
    if case.team_id != (team.pk if team else None):
        case.team = team
        changed.append("team")
    if case.assignee_id != (assignee.pk if assignee else None):
        case.assignee = assignee
        changed.append("assignee")
    if case.priority != priority:
        case.priority = priority
        changed.append("priority")
    return save_case_edit(case=case, actor=actor, changed_fields=sorted(set(changed)))

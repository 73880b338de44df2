"""The return policy engine: pure functions over the rules in the database (DESIGN.md §3).

``evaluate`` answers approve / reject / review for a goods case. The rules are the active
``ReturnPolicyRule`` rows of the active ``ReturnPolicy`` versions that cover the order's date.
Each case line goes through five checks, in this order:

(a) quantity: asked <= bought - claimed by other live cases        -> reject ``quantity_exceeded``
(b) matching ``exclusion`` rules                                   -> their outcome, ``excluded``
(c) matching ``window`` / ``warranty`` rules: allowed when within the most generous one
    (no such rule -> review ``no_rule``; no delivery -> review ``not_delivered``;
    outside every one -> reject ``window_expired``)
(d) matching ``photos`` rules when the customer sent none         -> their outcome, ``photos_required``
(e) matching ``review`` rules (over ``amount_over`` if it is set)  -> review ``review_amount`` / ``review_rule``

The first reject in that order decides the line; failing that, the first review; otherwise the
line is approved (``within_window``). The case is rejected if any line is, else reviewed if any
line is, else approved.

The decision is stored as plain JSON (``Decision.as_json``) and rendered in the active language by
``explain``, so one decision reads in Chinese for the customer and in English for an agent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from cases.models import (
    CaseLine,
    CaseStatus,
    Customer,
    CustomerTier,
    Order,
    OrderLine,
    PolicyOutcome,
    ReasonCode,
    ReturnPolicyRule,
    RuleOutcome,
    RuleType,
)

# --- codes ----------------------------------------------------------------------------------------

QUANTITY_EXCEEDED = "quantity_exceeded"
EXCLUDED = "excluded"
NO_RULE = "no_rule"
NOT_DELIVERED = "not_delivered"
WINDOW_EXPIRED = "window_expired"
PHOTOS_REQUIRED = "photos_required"
REVIEW_AMOUNT = "review_amount"
REVIEW_RULE = "review_rule"
WITHIN_WINDOW = "within_window"

# Short labels for lists and filters; ``explain`` gives the full sentence.
CODES = {
    QUANTITY_EXCEEDED: gettext_lazy("More than can still be claimed"),
    EXCLUDED: gettext_lazy("Item excluded"),
    NO_RULE: gettext_lazy("No rule covers it"),
    NOT_DELIVERED: gettext_lazy("Not delivered yet"),
    WINDOW_EXPIRED: gettext_lazy("Period expired"),
    PHOTOS_REQUIRED: gettext_lazy("Photos required"),
    REVIEW_AMOUNT: gettext_lazy("Value over the review limit"),
    REVIEW_RULE: gettext_lazy("Review required by a rule"),
    WITHIN_WINDOW: gettext_lazy("Within the period"),
}

# Cases whose lines no longer hold units of the order line.
RELEASED_STATUSES = (CaseStatus.REJECTED, CaseStatus.CANCELLED)
TIME_LIMIT_TYPES = (RuleType.WINDOW, RuleType.WARRANTY)
CENT = Decimal("0.01")


# --- the answer -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyLine:
    """A case line as the engine sees it: the order line, the units asked for, opened or not."""

    order_line: OrderLine
    quantity: int
    opened: bool = False


@dataclass(frozen=True)
class LineResult:
    """One line's answer. ``params`` is JSON-ready (dates ISO, amounts as strings)."""

    order_line_id: int
    outcome: str
    code: str
    rule: ReturnPolicyRule | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "order_line": self.order_line_id,
            "outcome": str(self.outcome),
            "code": self.code,
            "rule": self.rule.pk if self.rule else None,
            "params": self.params,
        }


@dataclass(frozen=True)
class Decision:
    """The case's answer: the outcome, the deciding rule and code, and every line's result."""

    outcome: str
    rule: ReturnPolicyRule | None = None
    code: str = NO_RULE
    params: dict[str, Any] = field(default_factory=dict)
    lines: list[LineResult] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """Plain JSON stored on the case (``Case.policy_explanation``); ``explain`` renders it."""
        return {
            "outcome": str(self.outcome),
            "code": self.code,
            "rule": self.rule.pk if self.rule else None,
            "params": self.params,
            "lines": [line.as_json() for line in self.lines],
        }

    def explain(self) -> str:
        return explain(self.as_json())


# --- dates and facts ------------------------------------------------------------------------------


def local_date(moment: datetime) -> date:
    """The calendar date of ``moment`` in settings.TIME_ZONE (not the request's active zone)."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


@dataclass(frozen=True)
class LineFacts:
    """What rules match on, for one line of one case."""

    kind: str
    reason: str
    tier: str
    category: str | None
    sku: str
    flags: frozenset[str]
    opened: bool


def line_facts(*, line: PolicyLine, kind: str, reason_code: str, tier: str) -> LineFacts:
    product = line.order_line.product
    return LineFacts(
        kind=kind,
        reason=reason_code,
        tier=tier,
        category=product.category if product else None,
        sku=line.order_line.sku,
        flags=frozenset(product.flags or ()) if product else frozenset(),
        opened=line.opened,
    )


def rule_matches(rule: ReturnPolicyRule, facts: LineFacts) -> bool:
    """Every non-empty match list matches (product_flags: any flag in common); only_if_opened needs opened."""
    lists = (
        (rule.kinds, facts.kind),
        (rule.reasons, facts.reason),
        (rule.categories, facts.category),
        (rule.skus, facts.sku),
        (rule.tiers, facts.tier),
    )
    if any(values and current not in values for values, current in lists):
        return False
    if rule.product_flags and not facts.flags.intersection(rule.product_flags):
        return False
    return facts.opened or not rule.only_if_opened


# --- reads ----------------------------------------------------------------------------------------


def applicable_rules(*, placed_on: date) -> list[ReturnPolicyRule]:
    """Active rules of active policies with effective_from <= placed_on <= effective_until (or open).

    Statutory policies come first, so that of two equally generous limits the law is named.
    """
    return list(
        ReturnPolicyRule.objects.filter(active=True, policy__active=True, policy__effective_from__lte=placed_on)
        .filter(Q(policy__effective_until__isnull=True) | Q(policy__effective_until__gte=placed_on))
        .select_related("policy")
        .order_by("-policy__is_statutory", "policy__code", "-policy__effective_from", "position", "id")
    )


def claimed_quantities(*, order_line_ids: Iterable[int], exclude_case_id: int | None) -> dict[int, int]:
    """Units already claimed per order line: sum of CaseLine.quantity over the other cases that
    are not rejected or cancelled."""
    rows = CaseLine.objects.filter(order_line_id__in=list(order_line_ids)).exclude(case__status__in=RELEASED_STATUSES)
    if exclude_case_id is not None:
        rows = rows.exclude(case_id=exclude_case_id)
    return dict(
        rows.order_by().values("order_line_id").annotate(total=Sum("quantity")).values_list("order_line_id", "total")
    )


# --- time limits ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeLimit:
    """The last allowed day of one rule (allowed through the end of that day, local time)."""

    rule: ReturnPolicyRule
    deadline: date
    days: int | None = None
    months: int | None = None


def time_limit(rule: ReturnPolicyRule, *, delivered_on: date, vip: bool) -> TimeLimit | None:
    """window: delivered_on + days (+ vip_extra_days for VIP); warranty: delivered_on + months.

    Counting starts the day after delivery, so delivered on Nov 1 with 7 days -> Nov 8 is day 7.
    A rule without its length (days / months) sets no limit and is ignored.
    """
    if rule.rule_type == RuleType.WINDOW and rule.days is not None:
        days = rule.days + (rule.vip_extra_days if vip else 0)
        return TimeLimit(rule=rule, deadline=delivered_on + relativedelta(days=days), days=days)
    if rule.rule_type == RuleType.WARRANTY and rule.months is not None:
        return TimeLimit(rule=rule, deadline=delivered_on + relativedelta(months=rule.months), months=rule.months)
    return None


# --- one line -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What is the same for every line of the case."""

    kind: str
    reason_code: str
    tier: str
    has_photos: bool
    today: date
    delivered_on: date | None
    currency: str
    rules: list[ReturnPolicyRule]


def rule_params(rule: ReturnPolicyRule) -> dict[str, Any]:
    return {
        "rule_id": rule.pk,
        "rule_name_en": rule.name_en,
        "rule_name_zh": rule.name_zh,
        "policy": rule.policy.code,
        "policy_version": rule.policy.version,
    }


def line_params(line: PolicyLine) -> dict[str, Any]:
    return {
        "order_line": line.order_line.pk,
        "line_no": line.order_line.line_no,
        "sku": line.order_line.sku,
        "item": line.order_line.name,
    }


def claimed_value(line: PolicyLine) -> Decimal:
    """paid_amount / bought quantity * asked quantity, to the cent."""
    order_line = line.order_line
    return (order_line.paid_amount * line.quantity / order_line.quantity).quantize(CENT, rounding=ROUND_HALF_UP)


def rule_outcome(rule: ReturnPolicyRule) -> str:
    return PolicyOutcome.REVIEW if rule.outcome == RuleOutcome.REVIEW else PolicyOutcome.REJECT


def first_rule(rules: Sequence[ReturnPolicyRule]) -> ReturnPolicyRule | None:
    """The first rejecting rule, else the first reviewing one."""
    rejecting = [rule for rule in rules if rule_outcome(rule) == PolicyOutcome.REJECT]
    return (rejecting or list(rules) or [None])[0]  # type: ignore[list-item]  # None: no rule


def verdict(
    line: PolicyLine, outcome: str, code: str, rule: ReturnPolicyRule | None = None, **extra: Any
) -> LineResult:
    params = {**line_params(line), **(rule_params(rule) if rule else {}), **extra}
    return LineResult(order_line_id=line.order_line.pk, outcome=outcome, code=code, rule=rule, params=params)


def check_quantity(line: PolicyLine, claimed: int) -> LineResult | None:
    """(a) asked <= bought - already claimed."""
    bought = line.order_line.quantity
    if line.quantity <= bought - claimed:
        return None
    return verdict(line, PolicyOutcome.REJECT, QUANTITY_EXCEEDED, bought=bought, claimed=claimed, asked=line.quantity)


def check_exclusions(line: PolicyLine, matching: Sequence[ReturnPolicyRule]) -> LineResult | None:
    """(b) a matching exclusion rule -> its outcome."""
    rule = first_rule([rule for rule in matching if rule.rule_type == RuleType.EXCLUSION])
    if rule is None:
        return None
    return verdict(line, rule_outcome(rule), EXCLUDED, rule, flags=sorted(rule.product_flags or []))


def limit_params(ctx: Context, limit: TimeLimit) -> dict[str, Any]:
    return {
        "days": limit.days,
        "months": limit.months,
        "delivered": ctx.delivered_on.isoformat() if ctx.delivered_on else None,
        "deadline": limit.deadline.isoformat(),
        "reason": ctx.reason_code,
    }


def check_time_limits(
    ctx: Context, line: PolicyLine, matching: Sequence[ReturnPolicyRule]
) -> tuple[LineResult | None, TimeLimit | None]:
    """(c) within the most generous matching window / warranty: today (local) <= its deadline.

    Returns the verdict when the line fails, else the limit that allows it.
    """
    timed = [rule for rule in matching if rule.rule_type in TIME_LIMIT_TYPES]
    if not timed:
        return verdict(line, PolicyOutcome.REVIEW, NO_RULE), None
    if ctx.delivered_on is None:
        return verdict(line, PolicyOutcome.REVIEW, NOT_DELIVERED), None
    limits = [
        limit
        for rule in timed
        if (limit := time_limit(rule, delivered_on=ctx.delivered_on, vip=ctx.tier == CustomerTier.VIP))
    ]
    if not limits:
        return verdict(line, PolicyOutcome.REVIEW, NO_RULE), None
    best = max(limits, key=lambda limit: limit.deadline)  # the first of equals: statutory first
    if ctx.today > best.deadline:
        return verdict(line, PolicyOutcome.REJECT, WINDOW_EXPIRED, best.rule, **limit_params(ctx, best)), None
    return None, best


def check_photos(ctx: Context, line: PolicyLine, matching: Sequence[ReturnPolicyRule]) -> LineResult | None:
    """(d) a matching photos rule and no photos -> its outcome."""
    if ctx.has_photos:
        return None
    rule = first_rule([rule for rule in matching if rule.rule_type == RuleType.PHOTOS])
    if rule is None:
        return None
    return verdict(line, rule_outcome(rule), PHOTOS_REQUIRED, rule)


def check_review(ctx: Context, line: PolicyLine, matching: Sequence[ReturnPolicyRule]) -> LineResult | None:
    """(e) a matching review rule: without amount_over always; with it when claimed_value > amount_over."""
    for rule in matching:
        if rule.rule_type != RuleType.REVIEW:
            continue
        if rule.amount_over is None:
            return verdict(line, PolicyOutcome.REVIEW, REVIEW_RULE, rule)
        value = claimed_value(line)
        if value > rule.amount_over:
            return verdict(
                line,
                PolicyOutcome.REVIEW,
                REVIEW_AMOUNT,
                rule,
                amount=str(value),
                limit=str(rule.amount_over),
                currency=ctx.currency,
            )
    return None


def first_decisive(results: Sequence[LineResult]) -> LineResult | None:
    """The first reject, else the first review, else None."""
    for outcome in (PolicyOutcome.REJECT, PolicyOutcome.REVIEW):
        for result in results:
            if result.outcome == outcome:
                return result
    return None


def evaluate_line(ctx: Context, line: PolicyLine, claimed: int) -> LineResult:
    """The first reject of checks (a)-(e), else their first review, else approve under the limit."""
    facts = line_facts(line=line, kind=ctx.kind, reason_code=ctx.reason_code, tier=ctx.tier)
    matching = [rule for rule in ctx.rules if rule_matches(rule, facts)]
    timing, limit = check_time_limits(ctx, line, matching)
    checks = [
        check_quantity(line, claimed),
        check_exclusions(line, matching),
        timing,
        check_photos(ctx, line, matching),
        check_review(ctx, line, matching),
    ]
    decisive = first_decisive([check for check in checks if check is not None])
    if decisive is not None:
        return decisive
    assert limit is not None  # no verdict means the time limits passed
    return verdict(line, PolicyOutcome.APPROVE, WITHIN_WINDOW, limit.rule, **limit_params(ctx, limit))


# --- the case -------------------------------------------------------------------------------------


def decide(results: Sequence[LineResult]) -> Decision:
    """Reject if any line rejects (the first one decides), else review if any line does, else approve."""
    if not results:
        return Decision(outcome=PolicyOutcome.REVIEW, code=NO_RULE)
    deciding = first_decisive(results) or results[0]
    return Decision(
        outcome=deciding.outcome,
        rule=deciding.rule,
        code=deciding.code,
        params=deciding.params,
        lines=list(results),
    )


def evaluate(
    *,
    kind: str,
    customer: Customer,
    order: Order | None,
    lines: Sequence[PolicyLine],
    reason_code: str,
    has_photos: bool,
    at: datetime,
    exclude_case_id: int | None = None,
) -> Decision:
    """Decide a goods case against the rules that covered the order when it was placed.

    ``at`` is the moment of the request; dates are compared in settings.TIME_ZONE. The lines of
    ``exclude_case_id`` (the case being decided) do not count as claimed.
    """
    if order is None:
        return Decision(outcome=PolicyOutcome.REVIEW, code=NO_RULE)
    ctx = Context(
        kind=kind,
        reason_code=reason_code,
        tier=customer.tier if customer else "",
        has_photos=has_photos,
        today=local_date(at),
        delivered_on=local_date(order.delivered_at) if order.delivered_at else None,
        currency=order.currency,
        rules=applicable_rules(placed_on=local_date(order.placed_at)),
    )
    claimed = claimed_quantities(order_line_ids=[ln.order_line.pk for ln in lines], exclude_case_id=exclude_case_id)
    return decide([evaluate_line(ctx, line, claimed.get(line.order_line.pk, 0)) for line in lines])


# --- explanations ---------------------------------------------------------------------------------


class Params(dict[str, Any]):
    """Stored params; a key an older decision lacks renders as "?" instead of failing."""

    def __missing__(self, key: str) -> str:
        return "?"


def rule_name(params: dict[str, Any]) -> str:
    """The rule's name in the active language (Chinese for zh-*, English otherwise)."""
    chinese = (get_language() or "").startswith("zh")
    name = params.get("rule_name_zh") if chinese else params.get("rule_name_en")
    return name or params.get("rule_name_en") or params.get("rule_name_zh") or "?"


def say_within_window(p: Params, outcome: str) -> str:
    if p.get("months"):
        return (
            _(
                "Within the %(months)s-month warranty of rule “%(rule)s”: the item was delivered on %(delivered)s "
                "and the warranty ends on %(deadline)s."
            )
            % p
        )
    return (
        _(
            "Within the %(days)s-day period of rule “%(rule)s”: the item was delivered on %(delivered)s "
            "and the period ends on %(deadline)s."
        )
        % p
    )


def say_window_expired(p: Params, outcome: str) -> str:
    if p.get("months"):
        return (
            _(
                "Your %(months)s-month warranty (rule “%(rule)s”) ended on %(deadline)s; "
                "the item was delivered on %(delivered)s."
            )
            % p
        )
    if p.get("reason") == ReasonCode.NO_REASON:
        return (
            _(
                "Your %(days)s-day no-reason return period (rule “%(rule)s”) ended on %(deadline)s; "
                "the item was delivered on %(delivered)s."
            )
            % p
        )
    return (
        _(
            "Your %(days)s-day period for this request (rule “%(rule)s”) ended on %(deadline)s; "
            "the item was delivered on %(delivered)s."
        )
        % p
    )


def say_quantity_exceeded(p: Params, outcome: str) -> str:
    return (
        _(
            "“%(item)s”: you asked for %(asked)s, but of the %(bought)s bought, %(claimed)s are already "
            "in other requests."
        )
        % p
    )


def say_excluded(p: Params, outcome: str) -> str:
    if outcome == PolicyOutcome.REVIEW:
        return _("“%(item)s” falls under rule “%(rule)s”; an agent will review your request.") % p
    return _("“%(item)s” cannot be accepted for this request (rule “%(rule)s”).") % p


def say_no_rule(p: Params, outcome: str) -> str:
    return _("No rule covers this; an agent will decide.")


def say_not_delivered(p: Params, outcome: str) -> str:
    return _("The order has not been delivered yet; an agent will decide.")


def say_photos_required(p: Params, outcome: str) -> str:
    if outcome == PolicyOutcome.REVIEW:
        return _("Photos of the problem are required (rule “%(rule)s”); an agent will review your request.") % p
    return _("Photos of the problem are required (rule “%(rule)s”).") % p


def say_review_amount(p: Params, outcome: str) -> str:
    return (
        _(
            "The claimed value of “%(item)s”, %(amount)s %(currency)s, is over %(limit)s (rule “%(rule)s”); "
            "an agent will review your request."
        )
        % p
    )


def say_review_rule(p: Params, outcome: str) -> str:
    return _("Rule “%(rule)s” sends this request to an agent for review.") % p


SENTENCES: dict[str, Callable[[Params, str], str]] = {
    WITHIN_WINDOW: say_within_window,
    WINDOW_EXPIRED: say_window_expired,
    QUANTITY_EXCEEDED: say_quantity_exceeded,
    EXCLUDED: say_excluded,
    NO_RULE: say_no_rule,
    NOT_DELIVERED: say_not_delivered,
    PHOTOS_REQUIRED: say_photos_required,
    REVIEW_AMOUNT: say_review_amount,
    REVIEW_RULE: say_review_rule,
}


def sentence(code: str, params: dict[str, Any], outcome: str) -> str:
    """One sentence for one code, in the active language."""
    say = SENTENCES.get(code)
    if say is None:
        return str(CODES.get(code, code))
    return say(Params(params, rule=rule_name(params)), outcome)


def explain(explanation: dict[str, Any]) -> str:
    """The stored decision as sentences in the active language: one per line that shares the case's
    outcome (repeats dropped), or the case's own code when it has no lines."""
    outcome = explanation.get("outcome", "")
    entries = [ln for ln in explanation.get("lines") or [] if ln.get("outcome") == outcome] or [explanation]
    sentences: list[str] = []
    for entry in entries:
        text = sentence(entry.get("code", ""), entry.get("params") or {}, entry.get("outcome", outcome))
        if text not in sentences:
            sentences.append(text)
    return " ".join(sentences)


__all__ = ["CODES", "Decision", "LineResult", "PolicyLine", "evaluate", "explain"]

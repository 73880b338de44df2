"""The return policy engine against the shipped templates: boundaries, time zones, partial and
repeated returns, exclusions, photos, review limits, warranty, VIP, versions by order date."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from cases import services
from cases.models import CaseKind, CaseStatus, Channel, CustomerTier, EventType, PolicyOutcome, ReasonCode
from cases.policy import engine as policy
from cases.policy.library import load_templates
from tests.cases.factories import CustomerFactory, OrderFactory, OrderLineFactory, ProductFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")

pytestmark = pytest.mark.django_db


@pytest.fixture
def cn_rules(db):
    return load_templates(region="CN")


def shanghai(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def make_line(*, delivered_at, placed_at=None, quantity=1, flags=(), tier=CustomerTier.REGULAR, price="199.00"):
    customer = CustomerFactory(tier=tier)
    order = OrderFactory(
        customer=customer,
        placed_at=placed_at or delivered_at - timedelta(days=2),
        delivered_at=delivered_at,
    )
    product = ProductFactory(flags=list(flags))
    return OrderLineFactory(order=order, product=product, quantity=quantity, unit_price=Decimal(price))


def decide(line, *, at, kind=CaseKind.RETURN, reason=ReasonCode.NO_REASON, quantity=1, opened=False, photos=False):
    return policy.evaluate(
        kind=kind,
        customer=line.order.customer,
        order=line.order,
        lines=[policy.PolicyLine(order_line=line, quantity=quantity, opened=opened)],
        reason_code=reason,
        has_photos=photos,
        at=at,
    )


# --- the 7-day window ---------------------------------------------------------------------------


def test_day_seven_is_allowed_until_midnight_and_day_eight_is_not(cn_rules):
    line = make_line(delivered_at=shanghai(2026, 11, 1, 10, 0))
    last_second = decide(line, at=shanghai(2026, 11, 8, 23, 59, 59))
    assert last_second.outcome == PolicyOutcome.APPROVE
    assert last_second.code == policy.WITHIN_WINDOW
    assert last_second.params["deadline"] == "2026-11-08"
    assert last_second.rule.policy.code == "cn-7day-no-reason"  # the law is named before the shop

    day_eight = decide(line, at=shanghai(2026, 11, 9, 0, 0, 0))
    assert day_eight.outcome == PolicyOutcome.REJECT
    assert day_eight.code == policy.WINDOW_EXPIRED
    assert day_eight.params["days"] == 7


def test_dates_are_counted_in_the_shop_time_zone_not_utc(cn_rules):
    # 17:00 UTC on Nov 1 is 01:00 on Nov 2 in Shanghai: delivery day is Nov 2, day 7 is Nov 9.
    line = make_line(delivered_at=datetime(2026, 11, 1, 17, 0, tzinfo=UTC))
    assert decide(line, at=shanghai(2026, 11, 9, 12, 0)).outcome == PolicyOutcome.APPROVE
    # 16:30 UTC on Nov 9 is already Nov 10 in Shanghai: day 8.
    assert decide(line, at=datetime(2026, 11, 9, 16, 30, tzinfo=UTC)).outcome == PolicyOutcome.REJECT


def test_the_active_request_time_zone_does_not_move_the_deadline(cn_rules, settings):
    line = make_line(delivered_at=shanghai(2026, 11, 1, 10, 0))
    from django.utils import timezone

    with timezone.override(ZoneInfo("America/Los_Angeles")):
        assert decide(line, at=shanghai(2026, 11, 8, 23, 0)).outcome == PolicyOutcome.APPROVE


def test_vip_customers_get_the_shop_extension(cn_rules):
    delivered = shanghai(2026, 11, 1, 10, 0)
    regular = make_line(delivered_at=delivered)
    vip = make_line(delivered_at=delivered, tier=CustomerTier.VIP)
    at = shanghai(2026, 11, 12, 9, 0)  # day 11
    assert decide(regular, at=at).outcome == PolicyOutcome.REJECT
    vip_decision = decide(vip, at=at)
    assert vip_decision.outcome == PolicyOutcome.APPROVE
    assert vip_decision.rule.policy.code == "shop-default"
    assert vip_decision.params["deadline"] == "2026-11-15"
    assert decide(vip, at=shanghai(2026, 11, 16, 0, 0)).outcome == PolicyOutcome.REJECT


def test_undelivered_orders_and_uncovered_requests_go_to_review(cn_rules):
    line = make_line(delivered_at=shanghai(2026, 11, 1, 10, 0))
    line.order.delivered_at = None
    line.order.save()
    assert decide(line, at=shanghai(2026, 11, 2, 10, 0)).code == policy.NOT_DELIVERED
    covered_by_nothing = decide(make_line(delivered_at=shanghai(2026, 11, 1)), at=shanghai(2026, 11, 2), reason="other")
    assert (covered_by_nothing.outcome, covered_by_nothing.code) == (PolicyOutcome.REVIEW, policy.NO_RULE)


# --- versions by order date -----------------------------------------------------------------------


def test_the_policy_version_is_chosen_by_the_order_date(cn_rules):
    old = make_line(placed_at=shanghai(2016, 5, 1, 12, 0), delivered_at=shanghai(2016, 5, 3, 12, 0))
    assert decide(old, at=shanghai(2016, 5, 5)).rule.policy.version == "2014"
    new = make_line(placed_at=shanghai(2017, 3, 15, 0, 30), delivered_at=shanghai(2017, 3, 17, 12, 0))
    assert decide(new, at=shanghai(2017, 3, 18)).rule.policy.version == "2017"
    # Placed at 23:30 on Mar 14 in Shanghai (15:30 UTC): still the 2014 measures.
    edge = make_line(placed_at=shanghai(2017, 3, 14, 23, 30), delivered_at=shanghai(2017, 3, 17, 12, 0))
    assert decide(edge, at=shanghai(2017, 3, 18)).rule.policy.version == "2014"
    before_any = make_line(placed_at=shanghai(2013, 1, 1), delivered_at=shanghai(2013, 1, 3))
    assert decide(before_any, at=shanghai(2013, 1, 4)).code == policy.NO_RULE


def test_an_inactive_policy_is_not_applied(cn_rules):
    from cases.models import ReturnPolicy

    ReturnPolicy.objects.filter(code="cn-7day-no-reason").update(active=False)
    line = make_line(delivered_at=shanghai(2026, 11, 1, 10, 0))
    decision = decide(line, at=shanghai(2026, 11, 5))
    assert decision.outcome == PolicyOutcome.APPROVE
    assert decision.rule.policy.code == "shop-default"


# --- statutory exclusions -------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["custom_made", "perishable", "periodical"])
def test_statutory_exclusions_refuse_no_reason_returns(cn_rules, flag):
    line = make_line(delivered_at=shanghai(2026, 11, 1, 10, 0), flags=[flag])
    decision = decide(line, at=shanghai(2026, 11, 3))
    assert (decision.outcome, decision.code) == (PolicyOutcome.REJECT, policy.EXCLUDED)
    assert decision.rule.policy.is_statutory


def test_digital_goods_are_excluded_only_once_opened(cn_rules):
    line = make_line(delivered_at=shanghai(2026, 11, 1, 10, 0), flags=["digital"])
    assert decide(line, at=shanghai(2026, 11, 3)).outcome == PolicyOutcome.APPROVE
    opened = decide(line, at=shanghai(2026, 11, 3), opened=True)
    assert (opened.outcome, opened.code) == (PolicyOutcome.REJECT, policy.EXCLUDED)


def test_an_excluded_item_can_still_be_returned_for_a_defect(cn_rules):
    line = make_line(delivered_at=shanghai(2026, 11, 1, 10, 0), flags=["perishable"])
    decision = decide(line, at=shanghai(2026, 11, 3), reason=ReasonCode.DEFECTIVE, photos=True)
    assert decision.outcome == PolicyOutcome.APPROVE
    assert decision.rule.name_en == "15-day return for defects"


# --- photos, review limits, warranty --------------------------------------------------------------


def test_damage_claims_need_photos(cn_rules):
    line = make_line(delivered_at=shanghai(2026, 11, 1, 10, 0))
    without = decide(line, at=shanghai(2026, 11, 3), reason=ReasonCode.DAMAGED)
    assert (without.outcome, without.code) == (PolicyOutcome.REVIEW, policy.PHOTOS_REQUIRED)
    assert decide(line, at=shanghai(2026, 11, 3), reason=ReasonCode.DAMAGED, photos=True).outcome == "approve"


def test_refund_only_over_the_limit_is_reviewed(cn_rules):
    small = make_line(delivered_at=shanghai(2026, 11, 1, 10, 0), price="300.00")
    big = make_line(delivered_at=shanghai(2026, 11, 1, 10, 0), price="300.00", quantity=2)
    kwargs = {"at": shanghai(2026, 11, 3), "kind": CaseKind.REFUND_ONLY, "reason": ReasonCode.MISSING_ITEM}
    assert decide(small, **kwargs).outcome == PolicyOutcome.APPROVE
    assert decide(big, quantity=1, **kwargs).outcome == PolicyOutcome.APPROVE  # 300.00 of 600.00
    over = decide(big, quantity=2, **kwargs)
    assert (over.outcome, over.code) == (PolicyOutcome.REVIEW, policy.REVIEW_AMOUNT)
    assert over.params["amount"] == "600.00"


def test_repair_within_the_twelve_month_warranty(cn_rules):
    line = make_line(delivered_at=shanghai(2025, 11, 30, 10, 0))
    kwargs = {"kind": CaseKind.REPAIR, "reason": ReasonCode.DEFECTIVE, "photos": True}
    assert decide(line, at=shanghai(2026, 11, 30, 23, 0), **kwargs).outcome == PolicyOutcome.APPROVE
    late = decide(line, at=shanghai(2026, 12, 1, 0, 0), **kwargs)
    assert (late.outcome, late.code, late.params["months"]) == (PolicyOutcome.REJECT, policy.WINDOW_EXPIRED, 12)


# --- partial and repeated returns through create_case ---------------------------------------------


def open_case(line, quantity, *, reason=ReasonCode.NO_REASON):
    return services.create_case(
        customer=line.order.customer,
        kind=CaseKind.RETURN,
        channel=Channel.PORTAL,
        order=line.order,
        lines=[services.LineRequest(order_line=line, quantity=quantity)],
        reason_code=reason,
    )


def test_partial_returns_never_claim_more_than_was_bought(cn_rules):
    from django.utils import timezone

    line = make_line(delivered_at=timezone.now() - timedelta(days=2), quantity=3)
    first = open_case(line, 2)
    assert first.status == CaseStatus.APPROVED
    too_many = open_case(line, 2)
    assert too_many.status == CaseStatus.REJECTED
    assert too_many.policy_explanation["code"] == policy.QUANTITY_EXCEEDED
    assert too_many.policy_explanation["params"]["claimed"] == 2
    last_one = open_case(line, 1)
    assert last_one.status == CaseStatus.APPROVED
    second_return = open_case(line, 1)
    assert second_return.status == CaseStatus.REJECTED


def test_a_cancelled_case_gives_its_units_back(cn_rules, agent):
    from django.utils import timezone

    line = make_line(delivered_at=timezone.now() - timedelta(days=2))
    first = open_case(line, 1)
    services.transition_case(case=first, name="cancel", actor=agent, note="customer changed their mind")
    assert open_case(line, 1).status == CaseStatus.APPROVED


def test_the_decision_is_recorded_with_its_rule_for_the_audit_trail(cn_rules):
    from django.utils import timezone

    line = make_line(delivered_at=timezone.now() - timedelta(days=2), flags=["custom_made"])
    case = open_case(line, 1)
    assert case.status == CaseStatus.REJECTED
    assert case.policy_rule.name_en == "Custom-made goods"
    event = case.events.get(type=EventType.POLICY)
    assert event.public
    assert event.data["rule"] == case.policy_rule.pk
    assert event.data["explanation"]["code"] == policy.EXCLUDED
    assert "消费者定作的商品" in event.note  # the customer (zh-hans) reads it in Chinese


# --- explanations ---------------------------------------------------------------------------------


def test_one_decision_explains_itself_in_each_language(cn_rules):
    line = make_line(delivered_at=shanghai(2026, 11, 1, 10, 0))
    stored = decide(line, at=shanghai(2026, 11, 9, 8, 0)).as_json()
    with translation.override("en"):
        english = policy.explain(stored)
    with translation.override("zh-hans"):
        chinese = policy.explain(stored)
    assert "China 7-day no-reason return" in english
    assert "2026-11-08" in english
    assert "七天无理由退货" in chinese
    assert "2026-11-08" in chinese
    assert english != chinese


def test_an_old_decision_missing_a_parameter_still_renders():
    text = policy.explain({"outcome": "reject", "code": policy.WINDOW_EXPIRED, "params": {"days": 7}})
    assert "7" in text and "?" in text

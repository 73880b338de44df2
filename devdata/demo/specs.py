"""The demo cases: for each kind, one case in every status it can reach, and a few that show the
return policy's exclusions at work (data only; ``devdata.demo.seeder`` opens and drives them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cases.models import CaseKind, CaseStatus, Channel, Priority, ReasonCode

K, S, R, C = CaseKind, CaseStatus, ReasonCode, Channel


@dataclass(frozen=True)
class CaseSpec:
    """One demo case: what the customer asked, and the status it should end in."""

    kind: str
    target: str
    channel: str
    customer: str
    order: str | None = None
    line: int | None = None  # line_no in the order (goods kinds)
    reason: str = ReasonCode.OTHER
    after_days: float = 1.0  # opened this long after delivery (or before now without a delivery)
    photos: bool | None = None  # default: photos for damage, defects, wrong items
    opened: bool = False
    to_variant: str | None = None  # exchange: the variant the customer wants
    priority: str = Priority.NORMAL
    inspection_passed: bool = True
    topic: str = ""  # key into TEXTS for subject and description
    extra: dict[str, Any] = field(default_factory=dict)


CASES = (
    # return (退货退款): every status
    CaseSpec(K.RETURN, S.NEW, C.PORTAL, "c02", "0002", 2, R.DAMAGED, 1, photos=False, topic="kettle_dent"),
    CaseSpec(K.RETURN, S.APPROVED, C.EMAIL, "c08", "0005", 1, R.NO_REASON, 1, topic="changed_mind"),
    CaseSpec(K.RETURN, S.IN_TRANSIT, C.CHAT, "c01", "0001", 1, R.WRONG_SIZE, 1, topic="too_small"),
    CaseSpec(K.RETURN, S.RECEIVED, C.PHONE, "c04", "0004", 3, R.NO_REASON, 2, topic="changed_mind"),
    CaseSpec(K.RETURN, S.INSPECTED, C.SOCIAL, "c09", "0006", 2, R.NO_REASON, 1, topic="changed_mind"),
    CaseSpec(K.RETURN, S.RESOLVED, C.API, "c03", "0003", 1, R.DEFECTIVE, 2, topic="sole_peeling"),
    CaseSpec(K.RETURN, S.CLOSED, C.PORTAL, "c10", "0010", 1, R.NO_REASON, 3, topic="changed_mind"),
    CaseSpec(K.RETURN, S.REJECTED, C.EMAIL, "c12", "0012", 1, R.NO_REASON, 4, topic="suit_changed_mind"),
    CaseSpec(K.RETURN, S.CANCELLED, C.CHAT, "c06", "0008", 3, R.NO_REASON, 2, topic="changed_mind"),
    CaseSpec(K.RETURN, S.IN_PROGRESS, C.PHONE, "c11", "0011", 1, R.NOT_AS_DESCRIBED, 3, topic="colour_off"),
    CaseSpec(K.RETURN, S.AWAITING_CUSTOMER, C.SOCIAL, "c05", "0007", 2, R.DEFECTIVE, 2, topic="sole_peeling"),
    # exchange (换货)
    CaseSpec(K.EXCHANGE, S.NEW, C.PORTAL, "c03", "0003", 2, R.DAMAGED, 1, photos=False, topic="buds_cracked"),
    CaseSpec(
        K.EXCHANGE, S.APPROVED, C.CHAT, "c03", "0015", 2, R.WRONG_SIZE, 0.5, to_variant="DEMO-TEE-L", topic="too_small"
    ),
    CaseSpec(
        K.EXCHANGE, S.IN_TRANSIT, C.EMAIL, "c08", "0005", 3, R.WRONG_SIZE, 1, to_variant="DEMO-TEE-L", topic="too_small"
    ),
    CaseSpec(
        K.EXCHANGE, S.RECEIVED, C.PHONE, "c01", "0001", 2, R.WRONG_SIZE, 1, to_variant="DEMO-RUN-42", topic="too_small"
    ),
    CaseSpec(
        K.EXCHANGE,
        S.INSPECTED,
        C.SOCIAL,
        "c04",
        "0004",
        2,
        R.NO_REASON,
        2,
        to_variant="DEMO-PACK-GRY",
        topic="other_colour",
    ),
    CaseSpec(K.EXCHANGE, S.RESOLVED, C.API, "c06", "0008", 1, R.DEFECTIVE, 5, topic="buds_one_side"),
    CaseSpec(
        K.EXCHANGE, S.CLOSED, C.PORTAL, "c11", "0011", 2, R.DEFECTIVE, 4, inspection_passed=False, topic="buds_one_side"
    ),
    CaseSpec(
        K.EXCHANGE, S.REJECTED, C.EMAIL, "c04", "0016", 2, R.WRONG_SIZE, 12, to_variant="DEMO-RUN-41", topic="too_big"
    ),
    CaseSpec(
        K.EXCHANGE, S.CANCELLED, C.CHAT, "c09", "0006", 3, R.WRONG_SIZE, 1, to_variant="DEMO-TEE-M", topic="too_big"
    ),
    CaseSpec(
        K.EXCHANGE,
        S.IN_PROGRESS,
        C.PHONE,
        "c10",
        "0010",
        2,
        R.NO_REASON,
        2,
        to_variant="DEMO-PACK-GRY",
        topic="other_colour",
    ),
    CaseSpec(K.EXCHANGE, S.AWAITING_CUSTOMER, C.SOCIAL, "c01", "0013", 2, R.DEFECTIVE, 3, topic="kettle_no_heat"),
    # repair (维修)
    CaseSpec(K.REPAIR, S.NEW, C.PORTAL, "c09", "0017", 2, R.DEFECTIVE, 3, photos=False, topic="phone_screen"),
    CaseSpec(K.REPAIR, S.APPROVED, C.EMAIL, "c04", "0004", 1, R.DEFECTIVE, 3, topic="phone_battery"),
    CaseSpec(K.REPAIR, S.IN_TRANSIT, C.CHAT, "c01", "0001", 3, R.DEFECTIVE, 2, topic="buds_one_side"),
    CaseSpec(K.REPAIR, S.RECEIVED, C.PHONE, "c09", "0006", 1, R.DEFECTIVE, 2, topic="kettle_no_heat"),
    CaseSpec(K.REPAIR, S.INSPECTED, C.SOCIAL, "c01", "0013", 1, R.DEFECTIVE, 60, topic="phone_battery"),
    CaseSpec(K.REPAIR, S.RESOLVED, C.API, "c06", "0008", 2, R.DEFECTIVE, 10, topic="kettle_no_heat"),
    CaseSpec(K.REPAIR, S.CLOSED, C.PORTAL, "c10", "0010", 3, R.DEFECTIVE, 20, topic="kettle_no_heat"),
    CaseSpec(K.REPAIR, S.REJECTED, C.EMAIL, "c02", "0014", 1, R.DEFECTIVE, 380, topic="kettle_no_heat"),
    CaseSpec(K.REPAIR, S.CANCELLED, C.CHAT, "c05", "0007", 3, R.DEFECTIVE, 3, topic="phone_screen"),
    CaseSpec(K.REPAIR, S.IN_PROGRESS, C.PHONE, "c09", "0017", 1, R.DEFECTIVE, 2, topic="buds_one_side"),
    CaseSpec(K.REPAIR, S.AWAITING_CUSTOMER, C.SOCIAL, "c03", "0003", 2, R.DEFECTIVE, 2, topic="buds_one_side"),
    # refund only (仅退款)
    CaseSpec(K.REFUND_ONLY, S.NEW, C.PORTAL, "c10", "0019", 3, R.MISSING_ITEM, 1, topic="phone_missing"),
    CaseSpec(K.REFUND_ONLY, S.APPROVED, C.EMAIL, "c03", "0015", 1, R.DAMAGED, 0.3, topic="lychee_spoiled"),
    CaseSpec(K.REFUND_ONLY, S.RESOLVED, C.CHAT, "c02", "0002", 3, R.MISSING_ITEM, 1, topic="strap_missing"),
    CaseSpec(K.REFUND_ONLY, S.CLOSED, C.PHONE, "c07", "0009", 1, R.DAMAGED, 0.5, topic="lychee_spoiled"),
    CaseSpec(K.REFUND_ONLY, S.REJECTED, C.SOCIAL, "c11", "0011", 1, R.MISSING_ITEM, 20, topic="tee_missing"),
    CaseSpec(K.REFUND_ONLY, S.CANCELLED, C.API, "c09", "0006", 1, R.MISSING_ITEM, 1, topic="kettle_lid_missing"),
    CaseSpec(K.REFUND_ONLY, S.IN_PROGRESS, C.PORTAL, "c12", "0012", 2, R.MISSING_ITEM, 2, topic="tee_missing"),
    CaseSpec(K.REFUND_ONLY, S.AWAITING_CUSTOMER, C.EMAIL, "c06", "0008", 1, R.DAMAGED, 3, topic="buds_cracked"),
    # complaint (投诉)
    CaseSpec(K.COMPLAINT, S.NEW, C.SOCIAL, "c12", "0012", reason=R.LATE_DELIVERY, priority=Priority.HIGH, topic="late"),
    CaseSpec(
        K.COMPLAINT, S.IN_PROGRESS, C.PHONE, "c02", "0002", reason=R.SERVICE, priority=Priority.URGENT, topic="courier"
    ),
    CaseSpec(K.COMPLAINT, S.AWAITING_CUSTOMER, C.EMAIL, "c05", "0007", reason=R.SERVICE, topic="no_callback"),
    CaseSpec(K.COMPLAINT, S.RESOLVED, C.CHAT, "c09", "0017", reason=R.LATE_DELIVERY, after_days=1, topic="late"),
    CaseSpec(K.COMPLAINT, S.CLOSED, C.PORTAL, "c07", "0009", reason=R.SERVICE, after_days=2, topic="courier"),
    CaseSpec(K.COMPLAINT, S.REJECTED, C.API, "c11", "0011", reason=R.OTHER, after_days=5, topic="duplicate"),
    CaseSpec(K.COMPLAINT, S.CANCELLED, C.SOCIAL, "c04", "0004", reason=R.SERVICE, topic="no_callback"),
    # inquiry (咨询)
    CaseSpec(K.INQUIRY, S.NEW, C.CHAT, "c06", "0020", reason=R.OTHER, after_days=0.2, topic="when_ship"),
    CaseSpec(K.INQUIRY, S.IN_PROGRESS, C.EMAIL, "c08", None, reason=R.OTHER, after_days=1, topic="warranty_question"),
    CaseSpec(K.INQUIRY, S.AWAITING_CUSTOMER, C.PORTAL, "c03", "0015", reason=R.OTHER, topic="invoice"),
    CaseSpec(K.INQUIRY, S.RESOLVED, C.API, "c10", "0019", reason=R.OTHER, topic="ebook_download"),
    CaseSpec(K.INQUIRY, S.CLOSED, C.PHONE, "c01", None, reason=R.OTHER, after_days=9, topic="warranty_question"),
    CaseSpec(K.INQUIRY, S.REJECTED, C.SOCIAL, "c12", None, reason=R.OTHER, after_days=4, topic="spam"),
    CaseSpec(K.INQUIRY, S.CANCELLED, C.CHAT, "c05", "0018", reason=R.OTHER, after_days=1, topic="when_arrive"),
    # the statutory exclusions and the VIP window at work
    CaseSpec(K.RETURN, S.REJECTED, C.PORTAL, "c07", "0009", 1, R.NO_REASON, 1, topic="lychee_changed_mind"),
    CaseSpec(K.RETURN, S.REJECTED, C.EMAIL, "c10", "0019", 1, R.NO_REASON, 2, opened=True, topic="ebook_opened"),
    CaseSpec(K.RETURN, S.REJECTED, C.CHAT, "c03", "0003", 3, R.NO_REASON, 1, opened=True, topic="brush_opened"),
    CaseSpec(K.RETURN, S.CLOSED, C.PHONE, "c05", "0007", 1, R.NO_REASON, 10, topic="vip_late_return"),
    CaseSpec(K.RETURN, S.REJECTED, C.SOCIAL, "c06", "0008", 3, R.NO_REASON, 9, topic="late_return"),
)

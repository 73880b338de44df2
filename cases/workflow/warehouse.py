"""The warehouse's part of a case: replacements shipped, the disposition of each returned line, photos."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from cases.catalog.carriers import CARRIERS, normal_tracking, tracking_matches
from cases.exceptions import InvalidInput, TransitionForbidden
from cases.models import (
    WORK,
    Attachment,
    Case,
    CaseKind,
    CaseLine,
    CaseStatus,
    CustomerTier,
    Disposition,
    EventType,
)
from cases.workflow.editing import save_locked
from cases.workflow.events import record_event
from cases.workflow.photos import clean_photo
from core import clock

REPLACEMENT_KINDS = (CaseKind.EXCHANGE, CaseKind.REPAIR)


def ship_replacement(*, case: Case, actor: User, carrier: str, tracking_number: str) -> Case:
    """The replacement (exchange) or the repaired item goes out to the customer, with its tracking number.

    Once the returned item is inspected (or resolved); for a VIP exchange already on approval
    (instant exchange). The customer sees it on the timeline and is emailed.
    """
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
    return save_locked(
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


AT_WAREHOUSE = (CaseStatus.RECEIVED, CaseStatus.INSPECTED, CaseStatus.RESOLVED, CaseStatus.CLOSED)


def set_disposition(*, case: Case, line_id: int | str, disposition: str, actor: User) -> CaseLine:
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


def add_warehouse_photos(*, case: Case, actor: User, uploads: list[UploadedFile[bytes]]) -> list[Attachment]:
    """Photos the warehouse takes of the returned goods, kept beside the customer's (internal)."""
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

"""The customer self-service portal's business logic (views in ``channels_app.portal_views`` stay thin).

Finding an order and proving who you are: the order number plus the email or phone on it gets a
one-time code; wrong details get one neutral answer; attempts are limited per IP and per order.
Asking: what the return policy allows per line now, the request with photos (checked to be real
JPEG / PNG / WebP images, re-encoded so their metadata such as GPS goes), the policy's answer.
Following: the case's customer-visible timeline, the return tracking number, messages, cancel.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import (
    Attachment,
    Case,
    CaseEvent,
    CaseKind,
    CaseStatus,
    Channel,
    Customer,
    EventType,
    InspectionGrade,
    Order,
    OrderLine,
    PolicyOutcome,
    ProductVariant,
    ReasonCode,
)
from cases.selectors import CARRIERS, PolicyLine, claimed_quantities, evaluate_policy
from cases.services import LineRequest, PhotoRejected, clean_photo, create_case, record_event, transition_case
from channels_app import throttle
from channels_app.models import PortalCode
from core import clock, phones
from core.errors import DomainError, InvalidInput

CODE_TTL = timedelta(minutes=10)
CODE_ATTEMPTS = 5
SESSION_KEY = "portal"
SESSION_TTL = timedelta(hours=2)
PORTAL_KINDS = [CaseKind.RETURN, CaseKind.EXCHANGE, CaseKind.REPAIR, CaseKind.REFUND_ONLY]
MAX_PHOTOS = 6
MAX_TEXT = 2000


class PortalError(InvalidInput):
    """A refusal the customer reads (a 4xx with this message)."""


class TooManyAttempts(PortalError):
    http_status = 429
    code = "too_many_attempts"


NEUTRAL = gettext_lazy(
    "If the order number and the email or phone match an order, we have sent a code to that contact. "
    "Enter it below. No code? Check the details and try again."
)


# --- rate limits -----------------------------------------------------------------------------------------


def _limit(key: str, *, limit: int, seconds: int) -> None:
    """Count one attempt under ``key``; refuse once ``limit`` attempts were made in the window."""
    if throttle.count_attempt(key, seconds=seconds) > limit:
        raise TooManyAttempts(_("Too many attempts. Wait a few minutes and try again."))


def _hash(code: str, code_id: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{code_id}:{code}".encode(), hashlib.sha256).hexdigest()


# --- finding the order -------------------------------------------------------------------------------------


def request_code(*, order_number: str, contact: str, ip: str) -> int | None:
    """Send a code when the contact matches the order; say nothing either way (the view shows NEUTRAL).
    Returns the code's id, for the visitor's session only (``verify_code(code_id=...)``).

    Limited to 10 requests per client address and 5 per order number from one address in 15
    minutes: a stranger's tries on an order use up the stranger's allowance, never the customer's.
    """
    order_number, contact = order_number.strip()[:64], contact.strip()[:254]
    if not order_number or not contact:
        raise PortalError(_("Give the order number and the email or phone on the order."))
    if "@" not in contact and not sms_available():  # told to everyone alike: it says nothing about the order
        raise PortalError(_("Codes by text message are not available here. Enter the email address on the order."))
    typed_phone = ""
    if "@" not in contact:
        try:
            typed_phone = phones.e164(contact)  # a mistyped number is told, not counted as a try
        except phones.InvalidPhoneNumber as exc:
            raise PortalError(exc.message) from None
    _limit(f"portal:ip:{ip}", limit=10, seconds=900)
    _limit(f"portal:order:{order_number.upper()}:{ip}", limit=5, seconds=900)
    order = Order.objects.select_related("customer").filter(number=order_number).first()
    if order is None or order.customer is None:
        return None
    customer = order.customer
    by_email = "@" in contact and customer.email and contact.lower() == customer.email.lower()
    by_phone = bool(typed_phone) and typed_phone == phones.e164_or_none(customer.phone)
    if not (by_email or by_phone):
        return None
    code = f"{secrets.randbelow(10**6):06d}"
    now = clock.now()
    row = PortalCode.objects.create(
        order=order,
        customer=customer,
        sent_to=typed_phone or contact,
        code_hash="",
        created_at=now,
        expires_at=now + CODE_TTL,
    )
    row.code_hash = _hash(code, str(row.pk))
    row.save(update_fields=["code_hash"])
    with translation.override(customer.language):
        subject = _("Your code for order %(order)s") % {"order": order.number}
        body = _(
            "Your code is %(code)s. It is valid for 10 minutes. If you did not ask for it, ignore this message."
        ) % {"code": code}
    if by_email:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [customer.email])
    else:
        send_sms(customer.phone, body)
    return row.pk


def sms_available() -> bool:
    """PORTAL_SMS_BACKEND is not "off" (or empty)."""
    return (settings.PORTAL_SMS_BACKEND or "").strip().lower() not in ("", "off")


def send_sms(phone: str, text: str) -> None:
    """Through the backend named by PORTAL_SMS_BACKEND (a dotted path to a callable(phone, text))."""
    from django.utils.module_loading import import_string

    import_string(settings.PORTAL_SMS_BACKEND)(phone, text)


def console_sms(phone: str, text: str) -> None:
    """The development SMS backend: prints the message (refused with DEBUG off, core.checks)."""
    print(f"SMS to {phone}: {text}", flush=True)  # noqa: T201 - this backend's whole job


console_sms.development_only = True  # type: ignore[attr-defined]  # read by core.checks


def verify_code(*, order_number: str, code: str, ip: str, code_id: int | None = None) -> tuple[Customer, Order]:
    """The customer and order for a valid, unused, unexpired code; the code is then used up.

    ``code_id`` is the id ``request_code`` returned to this visitor (0 when none was sent to them):
    only that code is tried, so a stranger's wrong guesses never use up the code the customer was
    sent. None tries the order's newest code (for a caller that keeps no visitor session).
    """
    _limit(f"portal:verify-ip:{ip}", limit=20, seconds=900)
    code = re.sub(r"\s", "", code)[:12]
    now = clock.now()
    with transaction.atomic():
        rows = PortalCode.objects.select_for_update().select_related("order", "customer")
        rows = rows.filter(order__number=order_number.strip()[:64], used_at__isnull=True, expires_at__gt=now)
        if code_id is not None:
            rows = rows.filter(pk=code_id)
        row = rows.order_by("-created_at").first()
        valid = (
            row is not None
            and row.attempts < CODE_ATTEMPTS
            and hmac.compare_digest(row.code_hash, _hash(code, str(row.pk)))
        )
        if row is not None and not valid:
            row.attempts += 1  # counted, and kept: the refusal is raised after the commit
            row.save(update_fields=["attempts"])
        elif valid:  # valid: there is a row
            row.used_at = now  # type: ignore[union-attr]
            row.save(update_fields=["used_at"])  # type: ignore[union-attr]
    if not valid:
        raise PortalError(_("This code is not valid or has expired. Ask for a new one."))
    return row.customer, row.order  # type: ignore[union-attr]


def sign_in(session, *, customer: Customer) -> None:
    session.cycle_key()  # a new session id once verified
    session[SESSION_KEY] = {"customer": customer.pk, "until": (clock.now() + SESSION_TTL).isoformat()}


def signed_in_customer(session) -> Customer | None:
    data = session.get(SESSION_KEY)
    if not data:
        return None
    until = datetime.fromisoformat(data["until"])
    if until < clock.now():
        session.pop(SESSION_KEY, None)
        return None
    return Customer.objects.filter(pk=data["customer"]).first()


# --- what the customer sees ---------------------------------------------------------------------------------


def customer_orders(customer: Customer):
    return Order.objects.filter(customer=customer).order_by("-placed_at")


def customer_cases(customer: Customer):
    return Case.objects.filter(customer=customer).select_related("order").order_by("-created_at")


def customer_order(customer: Customer, number: str) -> Order | None:
    return Order.objects.filter(customer=customer, number=number).first()


def customer_case(customer: Customer, number: str) -> Case | None:
    return Case.objects.filter(customer=customer, number=number).select_related("order", "customer").first()


@dataclass(frozen=True)
class LineOption:
    line: OrderLine
    claimable: int
    allowed: bool
    why: str
    variants: list

    @property
    def quantities(self) -> range:
        return range(1, self.claimable + 1)


def line_options(order: Order) -> list[LineOption]:
    """Each line with how many units can still be asked for and what the policy says now (a return)."""
    now = clock.now()
    lines = list(order.lines.select_related("product").order_by("line_no"))
    claimed = claimed_quantities(order_line_ids=[ln.pk for ln in lines], exclude_case_id=None)
    options = []
    for line in lines:
        left = line.quantity - claimed.get(line.pk, 0)
        decision = evaluate_policy(
            kind=CaseKind.RETURN,
            customer=order.customer,
            order=order,
            lines=[PolicyLine(order_line=line, quantity=max(left, 1))],
            reason_code=ReasonCode.NO_REASON,
            has_photos=False,
            at=now,
        )
        variants = list(ProductVariant.objects.filter(product=line.product)) if line.product_id else []
        why = _("Already returned or in another request.") if left <= 0 else decision.explain()
        options.append(
            LineOption(line, max(left, 0), left > 0 and decision.outcome != PolicyOutcome.REJECT, why, variants)
        )
    return options


def timeline(case: Case) -> list[CaseEvent]:
    """The customer-visible events, oldest first."""
    return list(case.events.filter(public=True).order_by("created_at", "id"))


def can_cancel(case: Case) -> bool:
    return case.status in (CaseStatus.NEW, CaseStatus.APPROVED)


def can_enter_tracking(case: Case) -> bool:
    return case.status == CaseStatus.APPROVED and case.kind in (CaseKind.RETURN, CaseKind.EXCHANGE, CaseKind.REPAIR)


# --- asking ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnRequest:
    kind: str
    reason_code: str
    reason_text: str
    quantities: dict[int, int]  # order line id -> units
    variants: dict[int, int]  # order line id -> wanted variant id (exchange)

    @classmethod
    def from_form(cls, post) -> ReturnRequest:
        """The order page's form: ``qty_<line id>`` (a whole number, else ``PortalError``), ``variant_<line id>``."""
        quantities, variants = {}, {}
        for key, value in post.items():
            if key.startswith("qty_") and key[4:].isdigit():
                if not value.strip().isdigit():
                    raise PortalError(_("Give each quantity as a whole number."))
                quantities[int(key[4:])] = int(value)
            elif key.startswith("variant_") and key[8:].isdigit() and value.isdigit():
                variants[int(key[8:])] = int(value)
        return cls(
            kind=post.get("kind", ""),
            reason_code=post.get("reason", ""),
            reason_text=post.get("reason_text", ""),
            quantities=quantities,
            variants=variants,
        )


def submit_request(*, customer: Customer, order: Order, request: ReturnRequest, photos: list) -> Case:
    """Check the request, open the case (the policy decides at once) and attach the cleaned photos.

    Everything is checked before anything is written; the case and its photos are one transaction.
    """
    if order.customer_id != customer.pk:
        raise PortalError(_("This order is not yours."))
    if request.kind not in PORTAL_KINDS:
        raise PortalError(_("Choose what you would like: return, exchange, repair or refund only."))
    if request.reason_code not in ReasonCode.values:
        raise PortalError(_("Choose a reason from the list."))
    if len(request.reason_text) > MAX_TEXT:
        raise PortalError(_("The description is too long (at most %(n)s characters).") % {"n": MAX_TEXT})
    if len(photos) > MAX_PHOTOS:
        raise PortalError(_("Send at most %(n)s photos.") % {"n": MAX_PHOTOS})
    lines_by_id = {ln.pk: ln for ln in order.lines.select_related("product")}
    chosen = {pk: qty for pk, qty in request.quantities.items() if qty}
    if not chosen:
        raise PortalError(_("Choose at least one item and how many."))
    if set(chosen) - set(lines_by_id):
        raise PortalError(_("This item is not on the order."))
    wanted = {}
    if request.kind == CaseKind.EXCHANGE:
        for pk in chosen:
            variant_id = request.variants.get(pk)
            line = lines_by_id[pk]
            variant = ProductVariant.objects.filter(pk=variant_id, product_id=line.product_id).first()  # type: ignore[misc]  # None finds none
            if variant is None:
                raise PortalError(_("Choose the size or colour you want instead of “%(item)s”.") % {"item": line.name})
            wanted[pk] = variant
    try:
        cleaned = [clean_photo(p) for p in photos]
    except PhotoRejected as exc:
        raise PortalError(exc.message) from exc
    try:
        return _open_case(
            customer=customer,
            order=order,
            request=request,
            chosen=chosen,
            lines_by_id=lines_by_id,
            wanted=wanted,
            photos=cleaned,
        )
    except DomainError as exc:  # the core's own checks (quantities, lines): same clear refusal
        raise PortalError(exc.message) from exc


def _open_case(*, customer, order, request, chosen, lines_by_id, wanted, photos) -> Case:
    with transaction.atomic():
        case = create_case(
            customer=customer,
            kind=request.kind,
            channel=Channel.PORTAL,
            actor=None,
            actor_label="customer",
            order=order,
            lines=[
                LineRequest(order_line=lines_by_id[pk], quantity=qty, requested_variant=wanted.get(pk))
                for pk, qty in sorted(chosen.items())
            ],
            reason_code=request.reason_code,
            reason_text=request.reason_text.strip(),
            has_photos=bool(photos),
        )
        for photo in photos:
            Attachment.objects.create(
                case=case,
                file=ContentFile(photo.data, name=photo.name),
                original_name=photo.name,
                content_type=photo.content_type,
                size=len(photo.data),
                public=True,
            )
    return case


# --- following -----------------------------------------------------------------------------------------------------


def enter_tracking(*, case: Case, carrier: str, number: str) -> Case:
    number = re.sub(r"\s", "", number).upper()
    if carrier not in CARRIERS:
        raise PortalError(_("Choose the carrier from the list."))
    if not CARRIERS[carrier][1].match(number):
        raise PortalError(
            _("“%(number)s” does not look like a %(carrier)s tracking number. Check it on your receipt.")
            % {"number": number[:40], "carrier": CARRIERS[carrier][0]}
        )
    if not can_enter_tracking(case):
        raise PortalError(_("A tracking number can be entered once the return is approved, and only once."))
    return transition_case(
        case=case,
        name="ship_return",
        actor=None,
        actor_label="customer",
        channel=Channel.PORTAL,
        carrier=carrier,
        tracking_number=number,
    )


def send_message(*, case: Case, text: str) -> CaseEvent:
    text = text.strip()
    if not text:
        raise PortalError(_("Write a message first."))
    if len(text) > MAX_TEXT:
        raise PortalError(_("The message is too long (at most %(n)s characters).") % {"n": MAX_TEXT})
    if case.status in (CaseStatus.CLOSED, CaseStatus.CANCELLED, CaseStatus.REJECTED):
        raise PortalError(_("This request is closed. Start a new one if you need help."))
    return record_event(
        case=case,
        type=EventType.REPLY,
        actor=None,
        actor_label="customer",
        note=text,
        public=True,
        channel=Channel.PORTAL,
        data={"direction": "in"},
    )


def cancel_request(*, case: Case) -> Case:
    if not can_cancel(case):
        raise PortalError(_("This request can no longer be cancelled: the parcel is on its way or the case is done."))
    try:
        return transition_case(
            case=case,
            name="cancel",
            actor=None,
            actor_label="customer",
            channel=Channel.PORTAL,
            note=_("Cancelled by the customer."),
        )
    except DomainError as exc:
        raise PortalError(exc.message) from exc


def expected_answer(case: Case):
    """When the customer can expect an answer for a request under review (the first-response due time)."""
    return case.first_response_due_at


def return_address() -> str:
    return settings.RETURN_ADDRESS


def case_page(case: Case) -> dict:
    """What the customer's case page shows: the case, its public timeline, where it stands, and what
    the customer may do next (``portal/case.html``)."""
    return {
        "case": case,
        "events": timeline(case),
        "approved": case.status not in (CaseStatus.NEW, CaseStatus.REJECTED, CaseStatus.CANCELLED)
        and case.approved_at is not None,
        "in_review": case.status == CaseStatus.NEW and case.policy_outcome == PolicyOutcome.REVIEW,
        "expected": expected_answer(case),
        "return_address": return_address(),
        "carriers": [(code, label) for code, (label, _pattern) in CARRIERS.items()],
        "can_track": can_enter_tracking(case),
        "can_cancel": can_cancel(case),
        "photos": case.attachments.filter(public=True),
        "grades": InspectionGrade,
    }


def slip_pdf(case: Case) -> bytes:
    """A printable return slip: the RMA number as text and as a Code 128 barcode, address and items."""
    from reportlab.graphics.barcode import code128
    from reportlab.lib.pagesizes import A5
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A5)
    width, height = A5
    page.setTitle(f"{case.number}")
    page.setFont("STSong-Light", 16)
    page.drawString(15 * mm, height - 20 * mm, _("Return slip") + f"  {case.number}")
    barcode = code128.Code128(case.number, barHeight=18 * mm, barWidth=0.45 * mm)
    barcode.drawOn(page, 10 * mm, height - 45 * mm)
    page.setFont("STSong-Light", 10)
    y = height - 55 * mm
    for text in [
        _("Order: %(order)s") % {"order": case.order.number if case.order else "-"},
        _("Send to:"),
        *return_address().splitlines(),
        "",
        _("In the box:"),
        *[
            f"  {cl.quantity} × {cl.order_line.name} ({cl.order_line.sku})"
            for cl in case.lines.select_related("order_line")
        ],
        "",
        _("Put this slip in the box and write %(rma)s on the parcel.") % {"rma": case.number},
    ]:
        page.drawString(15 * mm, y, text)
        y -= 6 * mm
    page.showPage()
    page.save()
    return out.getvalue()


__all__ = [
    "CARRIERS",
    "NEUTRAL",
    "PORTAL_KINDS",
    "PortalError",
    "ReturnRequest",
    "TooManyAttempts",
    "cancel_request",
    "customer_case",
    "customer_cases",
    "customer_order",
    "customer_orders",
    "enter_tracking",
    "expected_answer",
    "line_options",
    "request_code",
    "send_message",
    "sign_in",
    "signed_in_customer",
    "slip_pdf",
    "submit_request",
    "timeline",
    "verify_code",
]

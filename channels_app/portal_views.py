"""The customer self-service portal (/portal/): thin views over ``channels_app.portal``.

No account: a verified session (order number + contact + one-time code) sees that customer's
orders and cases and nothing else; anything else is a 404, an unverified visit goes to the start.
Every page works without JavaScript.
"""

from __future__ import annotations

from functools import wraps

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from cases.models import ReasonCode
from channels_app import portal
from channels_app.portal import PortalError
from core.attachments import attachment_response
from core.client_ip import client_ip


def customer_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        customer = portal.signed_in_customer(request.session)
        if customer is None:
            return redirect("portal:start")
        request.customer = customer
        return view(request, *args, **kwargs)

    return wrapped


def _error(request, template: str, context: dict, exc: PortalError):
    context["error"] = exc.message
    return render(request, template, context, status=exc.http_status if exc.http_status != 400 else 400)


@require_http_methods(["GET", "POST"])
def start(request):
    context = {"order_number": "", "contact": ""}
    if request.method == "POST":
        context = {"order_number": request.POST.get("order_number", ""), "contact": request.POST.get("contact", "")}
        try:
            code_id = portal.request_code(
                order_number=context["order_number"], contact=context["contact"], ip=client_ip(request)
            )
        except PortalError as exc:
            return _error(request, "portal/start.html", context, exc)
        request.session["portal_order"] = context["order_number"].strip()[:64]
        # Server-side only (the session is in the database): which code this visitor may try.
        request.session["portal_code"] = code_id or 0
        return redirect("portal:verify")
    return render(request, "portal/start.html", context)


@require_http_methods(["GET", "POST"])
def verify(request):
    order_number = request.session.get("portal_order")
    if not order_number:
        return redirect("portal:start")
    context = {"order_number": order_number, "neutral": portal.NEUTRAL}
    if request.method == "POST":
        try:
            customer, order = portal.verify_code(
                order_number=order_number,
                code=request.POST.get("code", ""),
                ip=client_ip(request),
                code_id=int(request.session.get("portal_code") or 0),
            )
        except PortalError as exc:
            return _error(request, "portal/verify.html", context, exc)
        portal.sign_in(request.session, customer=customer)
        return redirect("portal:order", number=order.number)
    return render(request, "portal/verify.html", context)


@require_POST
def sign_out(request):
    request.session.flush()
    return redirect("portal:start")


@customer_required
def home(request):
    return render(
        request,
        "portal/home.html",
        {"orders": portal.customer_orders(request.customer), "cases": portal.customer_cases(request.customer)},
    )


@customer_required
@require_http_methods(["GET", "POST"])
def order(request, number: str):
    found = portal.customer_order(request.customer, number)
    if found is None:
        raise Http404
    context = {
        "order": found,
        "options": portal.line_options(found),
        "kinds": [(k.value, k.label) for k in portal.PORTAL_KINDS],
        "reasons": ReasonCode.choices,
        "posted": request.POST,
    }
    if request.method == "POST":
        try:
            case = portal.submit_request(
                customer=request.customer,
                order=found,
                request=portal.ReturnRequest.from_form(request.POST),
                photos=request.FILES.getlist("photos"),
            )
        except PortalError as exc:
            return _error(request, "portal/order.html", context, exc)
        return redirect("portal:case", number=case.number)
    return render(request, "portal/order.html", context)


def _case(request, number: str):
    case = portal.customer_case(request.customer, number)
    if case is None:
        raise Http404
    return case


@customer_required
def case(request, number: str, error: PortalError | None = None):
    context = portal.case_page(_case(request, number))
    if error is not None:
        context["error"] = error.message
        return render(request, "portal/case.html", context, status=error.http_status)
    return render(request, "portal/case.html", context)


def _case_action(action):
    @customer_required
    @require_POST
    @wraps(action)
    def wrapped(request, number: str):
        found = _case(request, number)
        try:
            action(request, found)
        except PortalError as exc:
            return case.__wrapped__(request, number, error=exc)
        return redirect(reverse("portal:case", args=[number]) + "#timeline")

    return wrapped


@_case_action
def tracking(request, found):
    portal.enter_tracking(case=found, carrier=request.POST.get("carrier", ""), number=request.POST.get("tracking", ""))


@_case_action
def message(request, found):
    portal.send_message(case=found, text=request.POST.get("text", ""))


@_case_action
def cancel(request, found):
    portal.cancel_request(case=found)


@customer_required
def slip(request, number: str):
    found = _case(request, number)
    if found.approved_at is None or found.kind not in portal.PORTAL_KINDS:
        raise Http404
    response = HttpResponse(portal.slip_pdf(found), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{found.number}.pdf"'
    return response


@customer_required
def photo(request, number: str, pk: int):
    found = _case(request, number)
    attachment = found.attachments.filter(pk=pk, public=True).first()
    if attachment is None:
        raise Http404
    # The desk's safe response: only real photo types inline, anything else (an email's HTML or SVG
    # attachment) downloaded as octet-stream, nosniff, sandboxed.
    response = attachment_response(attachment)
    response["Cache-Control"] = "private, max-age=3600"
    return response

"""The customers' free feedback form (/feedback/new/): no account, phone-first, no JavaScript.

A thin view over ``feedback.free.submit_from_portal``: a refusal (bad input, too many
submissions) shows the form again with the message and the customer's text, and stores nothing;
a stored feedback redirects to the thank-you (so a reload does not send it twice).
"""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods

from cases.models import Customer
from core import signed_in
from core.client_ip import client_ip
from core.errors import InvalidInput
from feedback import free, selectors


def _signed_in_customer(request) -> Customer | None:
    """The customer signed in on the portal, if any: their feedback is linked to them."""
    pk = signed_in.customer_id(request)
    return Customer.objects.filter(pk=pk).first() if pk is not None else None


def _topics() -> list[tuple[str, str]]:
    zh = (get_language() or "").startswith("zh")
    return [(c.code, c.name_zh if zh else c.name_en) for c in selectors.categories()]


@require_http_methods(["GET", "POST"])
def free_feedback(request):
    context = {"text": "", "contact": "", "category": "", "thanks": request.GET.get("sent") == "1"}
    if request.method == "POST":
        context.update(
            text=request.POST.get("text", "")[: free.MAX_TEXT_SHOWN],
            contact=request.POST.get("contact", "")[:254],
            category=request.POST.get("category", "")[:30],
            thanks=False,
        )
        try:
            free.submit_from_portal(
                text=request.POST.get("text", ""),
                contact=request.POST.get("contact", ""),
                category_code=request.POST.get("category", ""),
                ip=client_ip(request),
                customer=_signed_in_customer(request),
            )
        except InvalidInput as exc:
            context.update(error=exc.message, topics=_topics())
            return render(request, "feedback/free_feedback.html", context, status=exc.http_status)
        return redirect(reverse("feedback:free") + "?sent=1")
    context["topics"] = _topics()
    return render(request, "feedback/free_feedback.html", context)

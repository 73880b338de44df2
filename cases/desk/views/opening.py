"""The "New case" page: find the customer (or give a new one's name and contact), then open a case with the
customer's message as its first timeline entry (``cases.services.open_desk_case``).

GET shows the form (``?q=`` lists the customers found by name, phone or email); POST opens the case and
redirects to it, or shows the form again with the message and what the agent typed (nothing written).
Who: desk staff who may add and work cases (agents, managers); others get 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from cases import selectors, services
from cases.models import CONVERSATION_KINDS, CaseKind, Customer
from core.desk import answer_write, desk_required, refusal

FIELDS = ("q", "customer", "name", "email", "phone", "kind", "source", "subject", "text")


def _may_open(user) -> None:
    if not (user.has_perm("cases.add_case") and user.has_perm("cases.work_case")):
        raise PermissionDenied


def _page(request, *, values: dict[str, str], error: str = "", status: int = 200):
    query = values.get("q", "")
    context = {
        "values": values,
        "error": error,
        "found": selectors.find_customers(query=query) if query else [],
        "kinds": [(k, CaseKind(k).label) for k in CaseKind.values if k in CONVERSATION_KINDS],
        "sources": [(key, label) for key, (_channel, label) in services.SOURCES.items()],
    }
    return render(request, "desk/new_case.html", context, status=status)


@desk_required
def new_case(request):
    _may_open(request.user)
    data = request.POST if request.method == "POST" else request.GET
    values = {field: str(data.get(field, ""))[:5000] for field in FIELDS}
    if request.method != "POST":
        return _page(request, values=values)
    raw = values["customer"]
    customer = Customer.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    if raw and customer is None:
        return _page(request, values=values, error=_("There is no such customer."), status=400)
    new_customer = None
    if customer is None and (values["name"] or values["email"] or values["phone"]):
        new_customer = services.NewCustomer(name=values["name"], email=values["email"], phone=values["phone"])
    return answer_write(
        lambda: services.open_desk_case(
            actor=request.user,
            customer=customer,
            new_customer=new_customer,
            kind=values["kind"],
            source=values["source"],
            subject=values["subject"],
            text=values["text"],
        ),
        done=lambda case: redirect(reverse("desk:case", args=[case.number])),
        refused=lambda exc: _page(request, values=values, error=refusal(exc)["error"], status=exc.http_status),
    )

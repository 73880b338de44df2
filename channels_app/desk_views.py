"""The workbench page "Log a call" (/desk/calls/new/): an agent writes down a call they took or made.

Thin: the form checks the fields, ``channels_app.phone.log_call`` does the work. Who: desk staff
(``core.desk.desk_required``: anonymous visitors go to the sign-in page, users without the desk
role get 403) who may work cases (``cases.work_case``, else 403). A refused call shows the form
again with the message and what the agent typed, status 400, and writes nothing.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from cases.models import WORK
from cases.selectors import can_see, case_by_number, mask_phone
from channels_app import chat, phone
from channels_app.models import Direction, PhoneLine
from core.desk import desk_required, refusal, show_page
from core.errors import DomainError, Forbidden, InvalidInput


class LogCallForm(forms.Form):
    direction = forms.ChoiceField(
        label=gettext_lazy("Call"),
        choices=[
            (Direction.IN, gettext_lazy("Inbound: the customer called us")),
            (Direction.OUT, gettext_lazy("Outbound: we called the customer")),
        ],
        initial=Direction.IN,
    )
    # Empty with a case: the case customer's number on file, which the page shows masked only.
    number = forms.CharField(label=gettext_lazy("Customer's phone number"), max_length=phone.MAX_NUMBER, required=False)
    duration = forms.CharField(
        label=gettext_lazy("Duration"),
        max_length=12,
        required=False,
        help_text=gettext_lazy("Seconds, or minutes and seconds as mm:ss."),
    )
    summary = forms.CharField(label=gettext_lazy("Summary"), max_length=phone.MAX_SUMMARY, widget=forms.Textarea)
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=phone.CallOutcome.choices)
    case = forms.CharField(
        label=gettext_lazy("Case number"),
        max_length=32,
        required=False,
        help_text=gettext_lazy("Empty: the caller's open case, or a new one."),
    )
    line = forms.ModelChoiceField(
        label=gettext_lazy("Phone line"),
        queryset=PhoneLine.objects.none(),
        required=False,
        empty_label="—",
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["line"].queryset = PhoneLine.objects.filter(active=True).order_by("name")

    def clean_number(self) -> str:
        if not self.cleaned_data["number"].strip():
            return ""  # clean() takes the case customer's number
        try:
            return phone.clean_number(self.cleaned_data["number"])
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message)

    def clean(self):
        cleaned = super().clean()
        if "number" in cleaned and not cleaned["number"]:
            case = _visible_case(self.user, cleaned.get("case", ""))
            try:
                cleaned["number"] = phone.clean_number(case.customer.phone if case is not None else "")
            except InvalidInput as exc:
                self.add_error("number", exc.message)
        return cleaned


def _visible_case(user, number: str):
    """The case of that number if ``user`` may see it, else None (nothing said about its existence)."""
    case = case_by_number(number=(number or "").strip().upper()[:32])
    return case if case is not None and can_see(user, case) else None

    def clean_duration(self) -> int:
        try:
            return phone.parse_duration(self.cleaned_data.get("duration", ""))
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message)


def _page(request, form: LogCallForm, *, error: str = "", notice: str = "", status: int = 200):
    return render(
        request,
        "desk/log_call.html",
        {"form": form, "error": error, "notice": notice, "has_lines": form.fields["line"].queryset.exists()},  # type: ignore[attr-defined]
        status=status,
    )


@desk_required
@require_http_methods(["GET", "POST"])
def new_call(request):
    if not request.user.has_perm(WORK):
        raise PermissionDenied
    if request.method == "GET":
        case = _visible_case(request.user, request.GET.get("case", ""))
        form = LogCallForm(initial={"case": case.number} if case is not None else {}, user=request.user)
        if case is not None and case.customer.phone:
            # No full number on the page without a reveal (cases.masking): masked, used when left empty.
            form.fields["number"].help_text = _("Leave it empty to use the customer's number on file: %(number)s.") % {
                "number": mask_phone(case.customer.phone)
            }
        return _page(request, form)
    form = LogCallForm(request.POST, user=request.user)
    if not form.is_valid():
        return _page(request, form, error=_("Check the fields marked below."), status=400)
    data = form.cleaned_data
    try:
        result = phone.log_call(
            actor=request.user,
            direction=data["direction"],
            number=data["number"],
            duration_seconds=data["duration"],
            summary=data["summary"],
            outcome=data["outcome"],
            case=data["case"] or None,
            line=data["line"],
        )
    except DomainError as exc:
        return _page(request, form, **refusal(exc))
    if can_see(request.user, result.case):
        return redirect(reverse("desk:case", args=[result.case.number]) + "#timeline")
    # The call joined a case of a team the agent does not see: say where it went, log the next one.
    return _page(
        request,
        LogCallForm(),
        notice=_("The call was logged on case %(number)s.") % {"number": result.case.number},
    )


@desk_required
@require_http_methods(["POST"])
def link_chat(request, number: str):
    """ "Link the chat to the customer" on a case whose chat visitor is not verified: the agent
    checked who they are and says how (``chat.link_chats``, a case event). Who: desk staff who see
    the case (else 404) and may work cases (else 403); no reason, or no chat waiting: 400 with the
    case page and the message, nothing written."""
    case = case_by_number(number=number.strip().upper()[:32])
    if case is None or not can_see(request.user, case):
        raise Http404
    try:
        chat.link_chats(case=case, actor=request.user, reason=request.POST.get("reason", ""))
    except Forbidden:
        raise PermissionDenied from None
    except DomainError as exc:
        return show_page("case", request, case.number, **refusal(exc))
    return redirect(reverse("desk:case", args=[case.number]) + "#timeline")

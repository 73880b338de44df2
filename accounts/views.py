"""Pages of the accounts app: the lock-out page (django-axes' AXES_LOCKOUT_CALLABLE) and the staff's
two-factor page in the workbench. Thin: the writes are in ``accounts.services``."""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django_otp import login as otp_login

from accounts import services
from accounts.exceptions import TwoFactorError
from accounts.forms import CodeForm


def locked_out(request, response=None, credentials=None):
    """What a locked-out sign-in gets, on the workbench's and the admin's login alike: 429 and a page
    that says why and for how long (never whether the password was right)."""
    return render(
        request,
        "accounts/locked_out.html",
        {"minutes": settings.AXES_COOLOFF_MINUTES, "failures": settings.AXES_FAILURE_LIMIT},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


REFUSALS = {
    "wrong_code": lambda: _("That code is not right (or was already used). Enter the current code from the app."),
    "no_pending_device": lambda: _("There is no set-up in progress: open this page again to start one."),
    "not_enrolled": lambda: _("Two-factor sign-in is not on."),
    "already_enrolled": lambda: _("Two-factor sign-in is already on."),
}


@login_required(login_url="desk:login")
def two_factor(request):
    """GET: the state, and for a user without two-factor a new key and QR code to scan. POST
    ``action=confirm`` with the app's code turns it on; ``action=remove`` with a code turns it off."""
    if not request.user.is_staff:
        raise PermissionDenied
    error = None
    status = 200
    if request.method == "POST":
        form = CodeForm(request.POST)
        action = request.POST.get("action")
        if action not in ("confirm", "remove") or not form.is_valid():
            error, status = _("Enter the 6-digit code from your authenticator app."), 400
        else:
            try:
                if action == "confirm":
                    device = services.confirm_totp_enrolment(user=request.user, token=form.cleaned_data["token"])
                    otp_login(request, device)
                else:
                    services.remove_totp(user=request.user, token=form.cleaned_data["token"])
                return redirect("accounts:two_factor")
            except TwoFactorError as exc:
                error, status = REFUSALS[exc.code](), 400
    device = services.totp_device(user=request.user)
    context = {"enabled": bool(device and device.confirmed), "error": error}
    if not context["enabled"]:
        device = services.start_totp_enrolment(user=request.user)
        uri = services.provisioning_uri(device)
        context.update(
            key=services.base32_key(device),
            uri=uri,
            # The QR code is drawn by segno from our own URI: markup without text from anyone.
            qr_svg=mark_safe(segno.make(uri, error="m").svg_inline(scale=4, dark="#1b1b1b")),  # noqa: S308
        )
    return render(request, "accounts/two_factor.html", context, status=status)

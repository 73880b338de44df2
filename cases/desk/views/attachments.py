"""Photos on a case: the warehouse's upload and serving an attachment to the desk."""

from __future__ import annotations

from django.http import Http404
from django.views.decorators.http import require_POST

from cases import services
from cases.desk.views.case_page import after_write, case_or_404
from core.attachments import attachment_response
from core.desk import desk_required


@desk_required
@require_POST
def warehouse_photos(request, number: str):
    case = case_or_404(number, request.user)
    return after_write(
        request,
        number,
        lambda: services.add_warehouse_photos(case=case, actor=request.user, uploads=request.FILES.getlist("photos")),
    )


@desk_required
def photo(request, number: str, pk: int):
    case = case_or_404(number, request.user)
    attachment = case.attachments.filter(pk=pk).first()
    if attachment is None:
        raise Http404
    return attachment_response(attachment)

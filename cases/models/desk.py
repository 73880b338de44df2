"""The workbench's own rows: saved views of the queue and macros (issue 18, "faster hands").

- ``SavedView``: a named filter of the desk queue (the queue tab, its filters, the search), personal
  or shared with everyone at the desk. What it may hold is ``QUEUE_FILTER_FIELDS``; the services of
  ``cases.workflow.saved_views`` check every value before they save it.
- ``Macro``: a canned reply plus tags, a priority and a step, applied in one click (through the
  services, ``cases.workflow.bulk``); the reply goes out in the customer's language.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models.case import TRANSITION_NAMES
from cases.models.catalog import CannedReply, CustomerTier
from cases.models.choices import CaseKind, CaseStatus, Channel, Priority, ReasonCode

# The named queues of the desk (cases.selectors.desk_queue), the first one the default.
DESK_QUEUES = ("mine", "team", "breaching", "waiting", "open", "approval")

# The queue's filters by query parameter, besides "queue" and the search "q"; "tag" takes a tag's name.
QUEUE_FILTER_FIELDS = ("kind", "channel", "status", "priority", "tier", "reason", "tag")


def queue_filter_values(tags: list[str]) -> dict[str, list[str]]:
    """The values each filter of the queue accepts (``tags``: the names of the tags there are)."""
    return {
        "kind": list(CaseKind.values),
        "channel": list(Channel.values),
        "status": list(CaseStatus.values),
        "priority": list(Priority.values),
        "tier": list(CustomerTier.values),
        "reason": list(ReasonCode.values),
        "tag": tags,
    }


class SavedView(models.Model):
    """A named filter of the desk queue: ``filters`` holds "queue", "q" and the filters of
    ``QUEUE_FILTER_FIELDS`` (only the ones set), checked by the service that saves it."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(_("name"), max_length=60)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    shared = models.BooleanField(_("shared with everyone at the desk"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "id"]
        permissions = [("share_savedview", _("Can share a saved view with everyone at the desk"))]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="saved_view_name_unique_per_owner")]
        # The side bar reads the shared views of everyone beside the user's own (owner has its FK index).
        indexes = [models.Index(fields=["name"], condition=models.Q(shared=True), name="saved_view_shared_by_name")]

    def __str__(self) -> str:
        return self.name


class Macro(models.Model):
    """A canned reply plus tags, a priority and a step, applied to a case in one click."""

    title = models.CharField(_("title"), max_length=100)
    reply = models.ForeignKey(
        CannedReply,
        verbose_name=_("reply"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Sent to the customer in their language, on the channel they last wrote on."),
    )
    tags = models.CharField(
        _("tags to add"), max_length=200, blank=True, help_text=_("Comma-separated; the case keeps its other tags.")
    )
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, blank=True)
    step = models.CharField(
        _("step"), max_length=40, blank=True, help_text=_("A step of the case, for example wait_for_customer.")
    )
    position = models.PositiveIntegerField(_("position"), default=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("macro")
        verbose_name_plural = _("macros")
        ordering = ["position", "title"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.step and self.step not in TRANSITION_NAMES:
            raise ValidationError({"step": _("There is no step “%(step)s”.") % {"step": self.step}})
        if not (self.reply_id or self.tags.strip() or self.priority or self.step):
            raise ValidationError(_("A macro does something: a reply, tags, a priority or a step."))

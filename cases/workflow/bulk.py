"""Bulk actions on cases the agent selected in the queue, and macros (issue 18, "faster hands").

Every change goes through the service that makes it one at a time (``assign_case``, ``set_tags``,
``transition_case``, ``add_message``), so each case gets its own event and its own transaction: a
case that refuses (closed, the step not allowed from its status, changed meanwhile) is reported
with the service's reason and the others go ahead. What the agent asks for is checked before the
first write: an unknown action, agent, priority, step or macro writes nothing.

A macro is a canned reply (in the customer's language, on the channel they last wrote on) plus
tags, a priority and a step, each through its service, each refusal reported.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from cases.exceptions import CaseError, InvalidInput
from cases.models import Case, Priority
from cases.models.desk import Macro
from cases.selectors import fill_canned_reply, reply_channels
from cases.workflow.editing import add_message, assign_case, set_tags
from cases.workflow.steps import step_label
from cases.workflow.transitions import transition_case

BULK_LIMIT = 100
BULK_ACTIONS = ("assign", "priority", "tag", "step", "macro")
# The steps a bulk action offers: the ones that take no parameters (a carrier, a grade, an amount).
BULK_STEPS = ("start", "wait_for_customer", "resume", "approve", "close", "cancel", "reopen")


@dataclass(frozen=True)
class BulkOutcome:
    """What became of one case: done, or refused with the service's reason."""

    number: str
    done: bool
    message: str


def check_selection(numbers: Sequence[str]) -> list[str]:
    """The selected case numbers, each once; refuses none or more than ``BULK_LIMIT``."""
    unique = list(dict.fromkeys(n.strip().upper() for n in numbers if n.strip()))
    if not unique:
        raise InvalidInput(_("Select at least one case."))
    if len(unique) > BULK_LIMIT:
        raise InvalidInput(_("Select at most %(n)s cases at once.") % {"n": BULK_LIMIT})
    return unique


def _merged_tags(case: Case, text: str) -> str:
    return ",".join([tag.name for tag in case.tags.all()] + [text])


def _reply_channel(case: Case) -> str:
    """The channel the customer last wrote on in this case (the desk's first choice)."""
    offered = reply_channels(case)
    return offered[0][0] if offered else ""


def _macro_writes(macro: Macro, case: Case, actor: User) -> list[tuple[str, Callable[[], object]]]:
    """The macro's parts in order: reply, tags, priority, step."""
    writes: list[tuple[str, Callable[[], object]]] = []
    if macro.reply_id is not None and macro.reply is not None:
        reply = macro.reply
        writes.append(
            (
                _("reply"),
                lambda: add_message(
                    case=case, actor=actor, text=fill_canned_reply(reply=reply, case=case), channel=_reply_channel(case)
                ),
            )
        )
    if macro.tags.strip():
        writes.append((_("tags"), lambda: set_tags(case=case, actor=actor, text=_merged_tags(case, macro.tags))))
    if macro.priority:
        writes.append(
            (
                _("priority"),
                lambda: assign_case(case=case, actor=actor, assignee_id=case.assignee_id, priority=macro.priority),
            )
        )
    if macro.step:
        writes.append((step_label(macro.step), lambda: transition_case(case=case, name=macro.step, actor=actor)))
    return writes


def apply_macro(*, macro: Macro, case: Case, actor: User) -> BulkOutcome:
    """Apply the macro's parts to the case in order, each through its service; the outcome lists
    what was refused and why (a refused part does not stop the next ones)."""
    refused = []
    for label, write in _macro_writes(macro, case, actor):
        try:
            write()
        except CaseError as error:
            refused.append(f"{label}: {error.message}")
    if refused:
        return BulkOutcome(number=case.number, done=False, message="; ".join(refused))
    return BulkOutcome(number=case.number, done=True, message=_("Macro “%(title)s” applied.") % {"title": macro.title})


def _check_value(action: str, value: str) -> Macro | None:
    """Refuses a value the action cannot take, before anything is written; a macro is returned."""
    if action not in BULK_ACTIONS:
        raise InvalidInput(_("There is no bulk action “%(action)s”.") % {"action": action[:30]})
    staff = get_user_model().objects.filter(is_active=True, is_staff=True)
    if action == "assign" and value and not (value.isdigit() and staff.filter(pk=int(value)).exists()):
        raise InvalidInput(_("There is no such agent."))
    if action == "priority" and value not in Priority.values:
        raise InvalidInput(_("Unknown priority “%(priority)s”.") % {"priority": value[:20]})
    if action == "tag" and not value.strip():
        raise InvalidInput(_("Give the tags to add."))
    if action == "step" and value not in BULK_STEPS:
        raise InvalidInput(_("There is no step “%(step)s”.") % {"step": value[:30]})
    if action == "macro":
        return find_macro(value)
    return None


def find_macro(value: str) -> Macro:
    """The active macro whose id is ``value`` (from a form); refuses any other value."""
    pk = int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else 0  # no overflow, no 500
    found = Macro.objects.select_related("reply").filter(pk=pk, active=True).first()
    if found is None:
        raise InvalidInput(_("There is no such macro."))
    return found


def bulk_apply(*, actor: User, cases: Sequence[Case], action: str, value: str) -> list[BulkOutcome]:
    """Run ``action`` with ``value`` on each case through its service; one outcome per case.

    ``assign``: the agent's id (empty unassigns); ``priority``: a priority; ``tag``: comma-separated
    tags added to each case's own; ``step``: a step's name; ``macro``: a macro's id."""
    macro = _check_value(action, value)
    if len(cases) > BULK_LIMIT:
        raise InvalidInput(_("Select at most %(n)s cases at once.") % {"n": BULK_LIMIT})
    outcomes = []
    for case in cases:
        if macro is not None:
            outcomes.append(apply_macro(macro=macro, case=case, actor=actor))
            continue
        try:
            _one(actor, case, action, value)
        except CaseError as error:
            outcomes.append(BulkOutcome(number=case.number, done=False, message=error.message))
        else:
            outcomes.append(BulkOutcome(number=case.number, done=True, message=_("Done.")))
    return outcomes


def _one(actor: User, case: Case, action: str, value: str) -> None:
    if action == "assign":
        assign_case(case=case, actor=actor, assignee_id=value or None, priority=case.priority)
    elif action == "priority":
        assign_case(case=case, actor=actor, assignee_id=case.assignee_id, priority=value)
    elif action == "tag":
        set_tags(case=case, actor=actor, text=_merged_tags(case, value))
    else:
        transition_case(case=case, name=value, actor=actor)

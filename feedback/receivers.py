"""What feedback does when cases tell it something (``cases.signals``), connected in ``FeedbackConfig.ready``:
a resolved case's survey falls due (invite), its reminder falls due (remind), a reopened case cancels the
survey still open. Each runs inside the sender's transaction; the emails go out after commit."""

from __future__ import annotations

from typing import Any

from cases.models import Case, CaseEvent, EventType
from feedback.services import cancel_open, invite, remind


def on_survey_due(sender: Any, case: Case, **kwargs: Any) -> None:
    invite(case=case)


def on_survey_reminder_due(sender: Any, case: Case, **kwargs: Any) -> None:
    remind(case=case)


def on_case_event(sender: Any, case: Case, event: CaseEvent, **kwargs: Any) -> None:
    if event.type == EventType.TRANSITION and event.transition == "reopen":
        cancel_open(case=case)

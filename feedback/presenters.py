"""The survey page's questions as the template shows them: each scale with its ends' words and, for
CSAT, a face per score (``questions``); the public views in ``feedback.views`` render them."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from feedback.models import SCALES, QuestionKind, SurveyInvitation

# What each end of a scale means, and a face for each CSAT score (the number is always shown too):
# the mouth of an inline SVG face, so it draws the same on every phone (emoji fonts differ or lack).
FACES = {
    1: "M10 23 Q16 15 22 23",
    2: "M10 22 Q16 18.5 22 22",
    3: "M10 21 L22 21",
    4: "M10 19.5 Q16 23.5 22 19.5",
    5: "M9 18.5 Q16 27 23 18.5",
}
ENDS: dict[str, tuple[Promise, Promise]] = {
    QuestionKind.CSAT: (_("Very dissatisfied"), _("Very satisfied")),
    QuestionKind.NPS: (_("Not at all likely"), _("Extremely likely")),
    QuestionKind.CES: (_("Very easy"), _("Very difficult")),
}


@dataclass(frozen=True)
class Question:
    kind: str
    text: str
    choices: list[tuple[int, str]]  # (value, the face's mouth or "")
    low_label: str
    high_label: str
    chosen: str


def questions(invitation: SurveyInvitation, language: str, chosen: dict) -> tuple[list[Question], str | None]:
    """The survey's scored questions in ``language`` (``chosen``: the answers given so far) and the
    comment's prompt (None when the survey asks for no comment)."""
    survey, scores, comment = invitation.survey, [], None
    for kind in survey.questions():
        if kind == QuestionKind.COMMENT:
            comment = survey.wording(kind, language)
            continue
        low, high = SCALES[kind]
        scores.append(
            Question(
                kind=kind,
                text=survey.wording(kind, language),
                choices=[(n, FACES[n] if kind == QuestionKind.CSAT else "") for n in range(low, high + 1)],
                low_label=str(ENDS[kind][0]),
                high_label=str(ENDS[kind][1]),
                chosen=str(chosen.get(kind) or ""),
            )
        )
    return scores, comment

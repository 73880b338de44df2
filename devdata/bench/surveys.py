"""The survey after each resolution of a synthetic case: an invitation a day later (for about 70 % of
them), answered about a third of the time, the scores following the customer's mood (the agent's
charm, a late answer or resolution, a partial refund, a reopen); a reopen before the answer
cancels it."""

from __future__ import annotations

import math

from devdata.bench.context import Context
from devdata.bench.customers import Customers
from devdata.bench.staff import Staff
from devdata.bench.tables import NULL
from devdata.bench.texts import COMMENTS_BAD, COMMENTS_GOOD, COMMENTS_MEH
from devdata.bench.timing import DAY, HOUR
from feedback.models import SurveyInvitation, SurveyResponse

SURVEY_VALID = 14 * DAY


class Surveys:
    """Writes invitations and answers into the case rows' buffers, with their ids."""

    def __init__(self, ctx: Context, *, customers: Customers, staff: Staff, survey, buffers: dict, ids: dict):
        self.ctx, self.customers, self.staff, self.survey = ctx, customers, staff, survey
        self.buffers, self.ids = buffers, ids

    def after_resolutions(self, case_id: int, case) -> None:
        """One survey after each resolve of ``case`` (a ``DrawnCase``), in the customer's mood."""
        story, agent = case.story, case.agent
        mood = (agent.charm if agent else 0.0) - (0.4 if case.kind == "complaint" else 0.0)
        if story.first_response is not None and story.first_response - story.t0 > case.first_response.target:
            mood -= 0.6
        if case.resolution in ("partial_refund", "returned_to_customer"):
            mood -= 0.7
        elif case.resolution == "goodwill_coupon":
            mood += 0.2
        episodes = [story.t0, *story.reopens]
        who = agent.user_id if agent else None
        for k, resolved in enumerate(story.resolutions):
            reopened = story.reopens[k] if k < len(story.reopens) else None
            late = resolved - episodes[k] > case.resolution_clock.target
            self.survey_after(
                case=(case_id, case.customer, case.channel, case.kind, case.team, who),
                resolved=resolved,
                reopened=reopened,
                mood=mood - (0.5 if late else 0.0) - (0.4 if k else 0.0),
            )

    def survey_after(self, *, case: tuple, resolved: int, reopened: int | None, mood: float) -> None:
        """An invitation a day after the resolution (for about 70 % of them), answered about a third
        of the time; a reopen before the answer cancels it."""
        r, stamp, end, ids = self.ctx.rng.random, self.ctx.stamp, self.ctx.end, self.ids
        sent = resolved + DAY
        if sent > end or r() >= 0.7 or (reopened is not None and reopened <= sent):
            return
        case_id, customer, channel, _kind, _team, _agent = case
        expires = sent + SURVEY_VALID
        answered = None
        if r() < 0.35:
            t = sent + int(min(SURVEY_VALID - HOUR, 3 * HOUR * math.exp(1.2 * self.ctx.normal())))
            if t <= end and (reopened is None or t < reopened):
                answered = t
        reminder = sent + 3 * DAY
        reminded = None
        if reminder <= end and (answered is None or answered > reminder) and (reopened is None or reminder < reopened):
            reminded = reminder
        if answered is not None:
            status = "answered"
        elif reopened is not None and reopened < expires:
            status = "cancelled"
        elif expires <= end:
            status = "expired"
        else:
            status = "reminded" if reminded else "sent"
        language = "en" if self.customers.en[customer] else "zh-hans"
        invitation_id = ids[SurveyInvitation]
        ids[SurveyInvitation] += 1
        self.buffers[SurveyInvitation].append(
            f"{invitation_id}\t{case_id}\t{self.customers.base + customer}\t{self.survey.pk}\t"
            f"{'email' if channel in ('api', 'phone') else channel}\t{language}\t{status}\t{stamp(sent)}\t"
            f"{NULL if reminded is None else stamp(reminded)}\t{stamp(expires)}\t"
            f"{NULL if answered is None else stamp(answered)}"
        )
        if answered is not None:
            self._answer(case, invitation_id, answered, language, mood)

    def _answer(self, case: tuple, invitation_id: int, answered: int, language: str, mood: float) -> None:
        """The scores (CSAT 1-5, NPS 0-10, CES 1-7) and sometimes a comment, from the mood."""
        r, gauss, survey = self.ctx.rng.random, self.ctx.normal, self.survey
        case_id, customer, channel, kind, team, agent = case
        z = 1.5 + mood + gauss()
        csat = 5 if z > 1.0 else 4 if z > 0.1 else 3 if z > -0.5 else 2 if z > -1.1 else 1
        nps = min(10, max(0, round(5.6 + 2.2 * (z + 0.6 * gauss()))))
        ces = min(7, max(1, round(3.6 - 1.0 * z + 0.8 * gauss())))
        lang = 1 if language == "en" else 0
        comment, complaint = "", "f"
        if csat <= 2 and r() < 0.7:
            comment, complaint = COMMENTS_BAD[int(r() * len(COMMENTS_BAD))][lang], "t"
        elif csat == 3 and r() < 0.4:
            comment = COMMENTS_MEH[int(r() * len(COMMENTS_MEH))][lang]
        elif csat >= 4 and r() < 0.2:
            comment = COMMENTS_GOOD[int(r() * len(COMMENTS_GOOD))][lang]
        self.buffers[SurveyResponse].append(
            f"{self.ids[SurveyResponse]}\t{invitation_id}\t{case_id}\t{self.customers.base + customer}\t"
            f"{NULL if agent is None else agent}\t{self.staff.teams[team][0]}\t{channel}\t{kind}\t"
            f"{csat if survey.ask_csat else NULL}\t{nps if survey.ask_nps else NULL}\t"
            f"{ces if survey.ask_ces else NULL}\t{comment if survey.ask_comment else ''}\t{complaint}\t{language}\t"
            f"link\t{NULL}\t{self.ctx.stamp(answered)}"
        )
        self.ids[SurveyResponse] += 1

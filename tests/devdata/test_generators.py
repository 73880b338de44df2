"""The generators take the state machine and the SLA targets from the product, not from a copy of
their own: a step is what ``Case``'s transitions say, a target what the default SLA policies say."""

from __future__ import annotations

import pytest

from cases.models import TRANSITION_NAMES, CaseKind, CaseStatus
from cases.sla import defaults
from devdata.bench.sla import DefaultTargets
from devdata.bench.story import Story
from devdata.demo.texts import STEP_NOTES
from devdata.state_machine import path_to, step_targets

HOUR = 3600


def test_a_story_step_leads_where_the_state_machine_says():
    story = Story(0, 10 * HOUR, step_targets(CaseKind.RETURN))

    assert story.step(1, "approve", None, "agent")
    assert story.status == CaseStatus.APPROVED
    assert story.step(2, "ship_return", None, "customer")
    assert story.status == CaseStatus.IN_TRANSIT
    assert story.events[-1][5:8] == ("ship_return", CaseStatus.APPROVED, CaseStatus.IN_TRANSIT)


def test_a_story_refuses_a_step_its_kind_does_not_have():
    refund_only = Story(0, 10 * HOUR, step_targets(CaseKind.REFUND_ONLY))
    assert refund_only.step(1, "approve", None, "agent")
    with pytest.raises(ValueError, match="ship_return"):
        refund_only.step(2, "ship_return", None, "customer")
    inquiry = Story(0, 10 * HOUR, step_targets(CaseKind.INQUIRY))
    with pytest.raises(ValueError, match="approve"):
        inquiry.step(1, "approve", None, "agent")


def test_a_step_after_the_end_of_the_history_did_not_happen():
    story = Story(0, HOUR, step_targets(CaseKind.COMPLAINT))

    assert not story.step(HOUR + 1, "start", None, "agent")
    assert story.status == CaseStatus.NEW and story.events == []


def test_a_waiting_case_pauses_and_the_next_step_resumes_it():
    story = Story(0, 10 * HOUR, step_targets(CaseKind.COMPLAINT))
    story.step(1, "start", None, "agent")
    story.step(2, "wait_for_customer", None, "agent")
    assert story.paused_at == 2
    story.step(3, "resume", None, "customer")
    assert story.paused_at is None


def test_the_goods_paths_come_from_the_state_machine():
    assert path_to(kind=CaseKind.RETURN, source=CaseStatus.APPROVED, target=CaseStatus.RESOLVED) == [
        "ship_return",
        "receive",
        "inspect",
        "resolve",
    ]
    assert path_to(kind=CaseKind.REFUND_ONLY, source=CaseStatus.APPROVED, target=CaseStatus.RESOLVED) == ["resolve"]
    assert path_to(kind=CaseKind.INQUIRY, source=CaseStatus.NEW, target=CaseStatus.APPROVED) is None


def test_the_demo_has_a_note_for_every_transition():
    assert set(STEP_NOTES) == set(TRANSITION_NAMES)


def test_the_bench_targets_are_the_default_policies():
    targets = DefaultTargets()
    standard = next(row for row in defaults.POLICIES if not row[2])
    chat = next(row for row in defaults.POLICIES if row[2] == {"channels": ["chat"]})
    urgent = next(row for row in defaults.POLICIES if row[2].get("severities") == ["urgent"])
    normal = next(row for row in defaults.POLICIES if row[2].get("severities") == ["normal"])

    first, resolution = targets.for_case(kind="return", channel="portal", priority="normal", tier="regular")
    assert (first.policy, first.seconds) == (standard[0], standard[4] * 60)
    assert (resolution.policy, resolution.seconds) == (standard[0], standard[6] * 60)
    first, resolution = targets.for_case(kind="inquiry", channel="chat", priority="normal", tier="vip")
    assert (first.policy, first.seconds) == (chat[0], chat[4] * 60)
    # The chat policy counts service hours; the history counts wall-clock time, so it resolves on the standard.
    assert resolution.policy == standard[0]
    first, resolution = targets.for_case(
        kind="complaint", channel="chat", priority="low", tier="regular", severity="urgent"
    )
    assert (first.policy, first.seconds, resolution.policy) == (urgent[0], urgent[4] * 60, urgent[0])
    # A complaint's target follows its severity, not its priority.
    first, resolution = targets.for_case(
        kind="complaint", channel="email", priority="urgent", tier="regular", severity="normal"
    )
    assert (first.policy, first.seconds, resolution.policy) == (normal[0], normal[4] * 60, normal[0])
    assert targets.catch_all == standard[0]


def test_the_bench_targets_are_the_ones_its_history_was_drawn_with():
    """The targets the history always had (24 h, 5 min for chat, 1 h for urgent complaints; 72 h to
    resolve; the warning at 80 %), now read from the defaults: the same seed gives the same rows."""
    targets = DefaultTargets()
    cases = [
        ("return", "email", "normal", ""),
        ("inquiry", "chat", "low", ""),
        ("complaint", "phone", "high", "urgent"),
        ("complaint", "phone", "high", "normal"),
    ]
    seconds = [
        tuple(t.seconds for t in targets.for_case(kind=k, channel=c, priority=p, tier="regular", severity=s))
        for k, c, p, s in cases
    ]
    assert seconds == [(24 * HOUR, 72 * HOUR), (5 * 60, 72 * HOUR), (HOUR, 72 * HOUR), (24 * HOUR, 72 * HOUR)]
    first, _resolution = targets.for_case(kind="return", channel="email", priority="normal", tier="regular")
    assert first.warn_seconds == 24 * HOUR * 4 // 5

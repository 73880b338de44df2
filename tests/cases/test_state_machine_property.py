"""Hypothesis: random sequences of steps never reach a state the machine does not allow, and each
change writes exactly one transition event (and a refused step none); nothing else is written but the
revisit a resolved complaint always gets."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from cases import services
from cases.exceptions import CaseError
from cases.models import Case, CaseEvent, ServiceSettings
from tests.cases.factories import CaseFactory
from tests.cases.state_spec import EXPECTED, KINDS, PARAMS, STEPS, reachable_statuses


def make_machine(actor):
    class CaseMachine(RuleBasedStateMachine):
        @initialize(kind=st.sampled_from(KINDS))
        def open_case(self, kind):
            self.kind = kind
            self.case = CaseFactory(kind=kind)
            self.status = "new"
            self.events = 0
            self.version = self.case.version

        @rule(step=st.sampled_from(STEPS), stale=st.booleans())
        def try_step(self, step, stale):
            target = EXPECTED.get((self.kind, self.status, step))
            expected_version = self.version - 1 if stale else self.version
            try:
                services.transition_case(
                    case=self.case, name=step, actor=actor, expected_version=expected_version, **PARAMS.get(step, {})
                )
            except CaseError:
                # Refused: either illegal here, or the caller's view was stale.
                assert target is None or stale
                self.case = Case.objects.get(pk=self.case.pk)
            else:
                assert target is not None and not stale, (self.kind, self.status, step)
                self.status = target
                self.events += 1
                self.version += 1

        @invariant()
        def database_agrees_with_the_model(self):
            if not hasattr(self, "case"):
                return
            stored = Case.objects.get(pk=self.case.pk)
            assert stored.status == self.status
            assert stored.status in reachable_statuses(self.kind)
            assert stored.version == self.version
            assert CaseEvent.objects.filter(case=stored, type="transition").count() == self.events
            # Besides its steps, a case has only the revisit a resolved complaint always gets (one open task).
            others = list(CaseEvent.objects.filter(case=stored).exclude(type="transition"))
            assert all(e.type == "follow_up" and e.data.get("reason") == "complaint" for e in others), others
            assert len(others) <= (1 if self.kind == "complaint" else 0)

    return CaseMachine


@pytest.mark.django_db
def test_random_step_sequences_follow_the_design(agent):
    # Sampled revisits are off in the tests (tests/conftest.py): the machine counts only its own events.
    assert ServiceSettings.get_solo().revisit_sample_percent == 0
    machine = make_machine(agent)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=60,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )

"""docs/state-machine.dot is generated from the model (make diagram) and must stay current."""

from __future__ import annotations

import io
from pathlib import Path

from django.core.management import call_command

DOT = Path(__file__).resolve().parents[2] / "docs" / "state-machine.dot"


def lines_of(text: str) -> list[str]:
    # graphviz output lists edges in set order, which varies between runs: compare sorted lines.
    return sorted(line.strip() for line in text.splitlines() if line.strip())


def test_committed_state_machine_diagram_matches_the_model():
    out = io.StringIO()
    call_command("graph_transitions", "cases.Case", stdout=out)
    assert lines_of(out.getvalue()) == lines_of(DOT.read_text()), "run `make diagram` and commit docs/"
    assert "[label=approve]" in DOT.read_text()

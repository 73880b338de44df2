"""Survey answers in from an external survey tool, and out to a spreadsheet (the API's import/export).

Import
    A batch of at most ``MAX_BATCH`` answers, each naming its case by number and carrying the tool's
    own id (``external_id``). The batch is all or nothing: every row is checked first and one bad
    row rejects the batch with the rows and fields at fault (``ImportRejected``), nothing written.
    It is idempotent by ``external_id``: a row whose id is stored already is reported as a
    duplicate and left as it is, so a re-sent batch changes nothing. A stored answer takes the
    case's customer, agent, team, channel and kind (as a link answer does) and goes through the
    same closed loop: a low score or a complaint opens a revisit task (``services.close_the_loop``;
    imported answers earn no coupon, the tool thanks its own respondents).

Export
    Every answer of a period, oldest first, streamed row by row from a database cursor
    (``iterator()``), as CSV (UTF-8 with a byte order mark, so that Excel shows Chinese comments
    rightly) or as a JSON array.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from cases import selectors
from cases.models import Case
from core import clock
from core.errors import DomainError, InvalidInput
from feedback import services
from feedback.models import FeedbackSettings, QuestionKind, ResponseSource, SurveyResponse

MAX_BATCH = 500
EXTERNAL_ID_MAX: int = SurveyResponse._meta.get_field("external_id").max_length  # type: ignore[assignment]
ROW_FIELDS = frozenset({"external_id", "case", "csat", "nps", "ces", "comment", "answered_at"})
SCORE_FIELDS = (QuestionKind.CSAT, QuestionKind.NPS, QuestionKind.CES)
# A survey tool's clock may run a little ahead of ours; further ahead is a wrong date.
FUTURE_TOLERANCE = timedelta(minutes=5)
# Two imports of the same batch at once: the second one's insert meets the first one's rows.
INSERT_ATTEMPTS = 3


class ImportRejected(InvalidInput):
    """The batch was refused as a whole; ``details["rows"]`` lists each bad row and its fields."""

    code = "import_rejected"


class ImportBusy(DomainError):
    """The same answers are being imported by another request right now: send the batch again."""

    http_status = 409
    code = "import_busy"


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    low: list[str] = field(default_factory=list)  # the created answers the closed loop followed up


@dataclass(frozen=True)
class _Row:
    external_id: str
    case: Case
    csat: int | None
    nps: int | None
    ces: int | None
    comment: str
    answered_at: datetime


# --- import -----------------------------------------------------------------------------------------


def _answered_at(value: Any, *, now: datetime) -> datetime:
    """An ISO 8601 time; one without an offset is read in the site's time zone (TIME_ZONE)."""
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # well-formed but impossible, e.g. minute 60
        parsed = None
    if parsed is None:
        raise InvalidInput(_("Give the time as ISO 8601, e.g. 2026-03-01T10:30:00+08:00."))
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    if parsed > now + FUTURE_TOLERANCE:
        raise InvalidInput(_("The answer cannot be in the future."))
    return parsed


def _check_row(raw: Any, *, cases: dict[str, Case], seen: set[str], now: datetime) -> tuple[_Row | None, dict]:
    """One row checked: (the row, {}) or (None, {field: [messages]})."""
    if not isinstance(raw, dict):
        return None, {"non_field_errors": [_("Each row is an object.")]}
    nul = sorted(str(k) for k, v in raw.items() if isinstance(v, str) and "\x00" in v)
    if nul:  # PostgreSQL cannot store (or even compare) text with NUL characters
        return None, {name: [_("This text contains a NUL character.")] for name in nul}
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(raw) - ROW_FIELDS)
    if unknown:
        errors["non_field_errors"] = [_("Unknown fields: %(fields)s.") % {"fields": ", ".join(map(str, unknown))}]

    external_id = raw.get("external_id")
    if not isinstance(external_id, str | int) or isinstance(external_id, bool) or not str(external_id).strip():
        errors["external_id"] = [_("Give the survey tool's id of the answer.")]
    else:
        external_id = str(external_id).strip()
        if len(external_id) > EXTERNAL_ID_MAX:
            errors["external_id"] = [_("At most %(n)s characters.") % {"n": EXTERNAL_ID_MAX}]
        elif external_id in seen:
            errors["external_id"] = [_("This id is in the batch twice.")]
        else:
            seen.add(external_id)

    number = raw.get("case")
    case = cases.get(number) if isinstance(number, str) else None
    if case is None:
        errors["case"] = [
            _("There is no case %(number)s.") % {"number": number}
            if isinstance(number, str) and number
            else _("Give the case number.")
        ]

    scores: dict[str, int | None] = {}
    for kind in SCORE_FIELDS:
        value = raw.get(kind)
        if value in (None, ""):
            scores[kind] = None
            continue
        try:  # the link's own checks: the same scales and messages
            scores[kind] = getattr(services.clean_answers(questions=[kind], data={kind: value}), kind)
        except InvalidInput as exc:
            errors[kind] = [exc.message]
    comment = raw.get("comment") or ""
    if comment:
        try:
            comment = services.clean_answers(questions=[QuestionKind.COMMENT], data={"comment": comment}).comment
        except InvalidInput as exc:
            errors["comment"] = [exc.message]
    if not errors.keys() & {*SCORE_FIELDS, "comment"} and not comment and all(v is None for v in scores.values()):
        errors.setdefault("non_field_errors", []).append(_("Answer at least one question."))

    try:
        answered_at = _answered_at(raw.get("answered_at"), now=now)
    except InvalidInput as exc:
        errors["answered_at"] = [exc.message]

    if errors:
        return None, errors
    return _Row(external_id=external_id, case=case, comment=comment, answered_at=answered_at, **scores), {}  # type: ignore[arg-type]  # no errors: both set


def _check_batch(rows: Any, *, now: datetime) -> list[_Row]:
    if not isinstance(rows, list):
        raise InvalidInput(_("Send a JSON array of answers."))
    if not rows:
        raise InvalidInput(_("The batch is empty."))
    if len(rows) > MAX_BATCH:
        raise InvalidInput(
            _("At most %(max)s answers in one batch (this one has %(n)s); split it.")
            % {"max": MAX_BATCH, "n": len(rows)}
        )
    numbers = {
        row["case"]
        for row in rows
        if isinstance(row, dict) and isinstance(row.get("case"), str) and "\x00" not in row["case"]
    }
    cases = {case.number: case for case in Case.objects.filter(number__in=numbers).select_related("customer")}
    checked, bad, seen = [], [], set()  # type: ignore[var-annotated]  # rows, errors, external ids
    for index, raw in enumerate(rows):
        row, errors = _check_row(raw, cases=cases, seen=seen, now=now)
        if errors:
            external_id = raw.get("external_id") if isinstance(raw, dict) else None
            bad.append({"row": index, "external_id": external_id, "errors": errors})
        else:
            checked.append(row)  # no errors: a row
    if bad:
        raise ImportRejected(
            _("%(n)s of %(total)s rows are not valid; nothing was imported.") % {"n": len(bad), "total": len(rows)},
            details={"rows": bad},
        )
    return checked  # type: ignore[return-value]


def _response(row: _Row, *, complaint_words: str) -> SurveyResponse:
    case = row.case
    return SurveyResponse(
        case=case,
        customer_id=case.customer_id,
        agent_id=case.assignee_id,
        team_id=case.team_id,
        channel=case.channel,
        kind=case.kind,
        csat=row.csat,
        nps=row.nps,
        ces=row.ces,
        comment=row.comment,
        complaint=bool(services.words_in(row.comment, complaint_words)),
        language=case.customer.language,
        source=ResponseSource.IMPORT,
        external_id=row.external_id,
        answered_at=row.answered_at,
    )


def import_responses(*, rows: Any, at: datetime | None = None) -> ImportResult:
    """Store a batch of answers from an external survey tool, all or nothing, once per ``external_id``.

    Raises ``InvalidInput`` for a batch that is not a list of 1 to ``MAX_BATCH`` rows and
    ``ImportRejected`` (with every bad row) when any row is wrong. Low answers open revisit tasks,
    due from ``at`` (the import), not from the time of the answer.
    """
    at = at or clock.now()
    checked = _check_batch(rows, now=at)
    settings = FeedbackSettings.get_solo()
    ids = [row.external_id for row in checked]
    for _attempt in range(INSERT_ATTEMPTS):
        try:
            with transaction.atomic():
                stored = set(SurveyResponse.objects.filter(external_id__in=ids).values_list("external_id", flat=True))
                created = SurveyResponse.objects.bulk_create(
                    [
                        _response(row, complaint_words=settings.complaint_words)
                        for row in checked
                        if row.external_id not in stored
                    ]
                )
                for response in created:
                    # The same closed loop as the link's answers (an imported answer earns no coupon).
                    services.close_the_loop(response=response, at=at, settings=settings)
        except IntegrityError:  # the same answers are being imported right now: read what they stored
            continue
        return ImportResult(
            created=[r.external_id for r in created],  # type: ignore[misc]  # imported: an external id each
            duplicates=[i for i in ids if i in stored],
            low=[r.external_id for r in created if services.is_low(response=r, settings=settings)],  # type: ignore[misc]
        )
    raise ImportBusy(_("The same answers are being imported at this moment; send the batch again."))


# --- reading -----------------------------------------------------------------------------------------


def responses_visible_to(user: User) -> Q:
    """The answers ``user`` may read: all, or (teams restricting, as the desk does) their teams',
    their own and those of no team."""
    if not selectors.teams_restrict(user):
        return Q()
    if not user.is_authenticated:  # nobody's teams (the schema generator asks as anonymous)
        return Q(pk__in=[])
    return Q(team__isnull=True) | Q(team__in=user.teams.values("pk")) | Q(agent=user)


def response_list(*, user: User) -> QuerySet[SurveyResponse]:
    """The answers for the API's list, with what a row shows joined in one query."""
    return SurveyResponse.objects.filter(responses_visible_to(user)).select_related("case", "team", "agent")


# --- export ------------------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "answered_at",
    "case",
    "kind",
    "channel",
    "team",
    "agent",
    "csat",
    "nps",
    "ces",
    "comment",
    "complaint",
    "source",
    "language",
)
BOM = "\ufeff"
# A cell a spreadsheet would read as a formula (CSV injection): the customer writes the comment.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_row(response: SurveyResponse) -> dict[str, Any]:
    """One answer as the export's columns (plain values: strings, numbers, booleans, None)."""
    return {
        "answered_at": timezone.localtime(response.answered_at).isoformat(),
        "case": response.case.number if response.case else None,
        "kind": response.kind,
        "channel": response.channel,
        "team": response.team.code if response.team else None,
        "agent": response.agent.get_username() if response.agent else None,
        "csat": response.csat,
        "nps": response.nps,
        "ces": response.ces,
        "comment": response.comment,
        "complaint": response.complaint,
        "source": response.source,
        "language": response.language,
    }


def export_queryset(responses: QuerySet[SurveyResponse]) -> QuerySet[SurveyResponse]:
    """Oldest first (index ``response_by_answered``), each row's case, team and agent joined."""
    return responses.select_related("case", "team", "agent").order_by("answered_at", "id")


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class _Line:
    """A file for ``csv.writer`` that hands back what was written (one line at a time)."""

    def write(self, text: str) -> str:
        return text


def csv_lines(responses: QuerySet[SurveyResponse]) -> Iterator[str]:
    """The CSV, line by line: the byte order mark and the header first, then one line per answer."""
    writer = csv.writer(_Line())
    yield BOM + writer.writerow(EXPORT_COLUMNS)
    for response in export_queryset(responses).iterator(chunk_size=1000):
        row = export_row(response)
        yield writer.writerow([_cell(row[column]) for column in EXPORT_COLUMNS])


def json_chunks(responses: QuerySet[SurveyResponse]) -> Iterator[str]:
    """A JSON array of the export's rows, written as it is read."""
    yield "["
    first = True
    for response in export_queryset(responses).iterator(chunk_size=1000):
        yield ("" if first else ",") + json.dumps(export_row(response), ensure_ascii=False)
        first = False
    yield "]"


def export_filename(*, fmt: str) -> str:
    return f"survey-responses-{timezone.localtime(clock.now()):%Y%m%d-%H%M}.{fmt}"

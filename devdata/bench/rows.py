"""A drawn case as COPY rows: its lines, its timeline, its SLA clocks as ``cases.sla.clocks`` leaves
them, its costs and refunds (every refund cost line has its refund in the ledger, settled a day
later), the survey after each resolution, and the case row itself. Buffered per table and handed to
the COPY writer every ``CASE_BATCH`` cases."""

from __future__ import annotations

from cases.models import REFUNDING_RESOLUTIONS, Case, CaseEvent, CaseLine, ClockKind, CostLine, Refund, SlaClock
from devdata.bench.cases import Clock, DrawnCase
from devdata.bench.context import Context
from devdata.bench.customers import Customers
from devdata.bench.loading import CopyWriter
from devdata.bench.orders import OrderBook
from devdata.bench.sla import WARN_PERCENT
from devdata.bench.staff import Staff
from devdata.bench.story import AWAITING_CUSTOMER, Story
from devdata.bench.surveys import Surveys
from devdata.bench.tables import CASE_DEFAULTS, CASE_ROW, CASE_TABLES, COLUMNS, NULL
from devdata.bench.timing import DAY

FIRST_RESPONSE, RESOLUTION = ClockKind.FIRST_RESPONSE.value, ClockKind.RESOLUTION.value


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


class CaseRows:
    """The rows of the cases drawn since the last flush, and the next id of each table."""

    def __init__(self, ctx: Context, *, customers: Customers, orders: OrderBook, staff: Staff, next_id: dict, survey):
        self.ctx, self.customers, self.orders, self.staff = ctx, customers, orders, staff
        self.buffers: dict = {model: [] for model in CASE_TABLES}
        self.ids = {model: next_id[model] for model in CASE_TABLES}
        self.surveys = Surveys(ctx, customers=customers, staff=staff, survey=survey, buffers=self.buffers, ids=self.ids)

    def flush(self, writer: CopyWriter) -> None:
        for model in CASE_TABLES:  # in this order: what refers to a row comes after it
            lines = self.buffers[model]
            self.ctx.rows[model._meta.db_table] += len(lines)
            writer.put(model._meta.db_table, COLUMNS[model], lines)
            self.buffers[model] = []

    def write(self, case: DrawnCase) -> None:
        case_id = self.ids[Case]
        self.ids[Case] += 1
        self._lines(case_id, case)
        self._events(case_id, case.story)
        due = self._clocks(case_id, case)
        self._costs(case_id, case)
        self.surveys.after_resolutions(case_id, case)
        self._case_row(case_id, case, due)

    def _lines(self, case_id: int, case: DrawnCase) -> None:
        """The case's lines; after an inspection, what the warehouse does with the goods."""
        r, ids, out = self.ctx.rng.random, self.ids, self.buffers[CaseLine]
        grade = case.fields.pop("_grade", "")
        inspected = bool(case.fields.get("inspection_grade"))
        sorting = inspected and case.kind != "repair" and case.resolution != "returned_to_customer"
        line_base, catalogue = self.orders.line_base, self.orders.catalogue
        for j, qty, _value in case.lines:
            disposition = ""
            if sorting:
                u = r()
                if grade == "A" or (grade == "B" and u < 0.7):
                    disposition = "restock"
                elif grade == "B" or (grade == "C" and u < 0.2):
                    disposition = "refurbish"
                else:
                    disposition = "scrap" if u < 0.6 else "return_to_supplier"
            variant = catalogue.p_variant[self.orders.l_product[j]] if case.kind == "exchange" else NULL
            out.append(
                f"{ids[CaseLine]}\t{case_id}\t{line_base + j}\t{qty}\t{'t' if r() < 0.5 else 'f'}\t{variant}\t"
                f"{disposition}"
            )
            ids[CaseLine] += 1

    def _events(self, case_id: int, story: Story) -> None:
        stamp, out = self.ctx.stamp, self.buffers[CaseEvent]
        event_id = self.ids[CaseEvent]
        story.events.sort()
        story.last = story.events[-1][0]
        for t, _seq, type_, actor, label, transition, from_, to, ev_channel, note, data in story.events:
            out.append(
                f"{event_id}\t{case_id}\t{type_}\t{NULL if actor is None else actor}\t{label}\t{transition}\t{from_}\t"
                f"{to}\t{ev_channel}\t{note}\t{data}\tt\t{stamp(t)}"
            )
            event_id += 1
        self.ids[CaseEvent] = event_id

    def _clocks(self, case_id: int, case: DrawnCase) -> dict[str, int | None]:
        """First response, and resolution (again after a reopen); each kind's due time while it runs."""
        story = case.story
        fr_done = story.first_response if story.first_response is not None else case.first_response_stop
        if fr_done is None and story.closed_at is not None:
            fr_done = story.closed_at
        due = {FIRST_RESPONSE: self._clock(case_id, FIRST_RESPONSE, case.first_response, story.t0, fr_done, None)}
        for k, started in enumerate([story.t0, *story.reopens]):
            stop = story.resolutions[k] if k < len(story.resolutions) else None
            if stop is None and story.closed_at is not None:
                stop = story.closed_at
            paused = story.paused_at if stop is None and story.status == AWAITING_CUSTOMER else None
            due[RESOLUTION] = self._clock(case_id, RESOLUTION, case.resolution_clock, started, stop, paused)
        return due

    def _clock(self, case_id: int, kind: str, clock: Clock, started: int, stop, paused) -> int | None:
        """One clock row, as ``cases.sla.clocks`` leaves it; returns its due time while it runs (the case's
        due columns show only running clocks)."""
        stamp, end, target = self.ctx.stamp, self.ctx.end, clock.target
        warn_seconds = target * WARN_PERCENT // 100
        due, warn = started + target, started + warn_seconds
        resumed = paused_at = due_at = warn_at = stopped = NULL
        used = 0
        if stop is not None and stop <= end:
            state, until, used, due_at, stopped = "stopped", stop, stop - started, stamp(due), stamp(stop)
        elif paused is not None:
            state, until, used, paused_at = "paused", paused, paused - started, stamp(paused)
        else:
            state, until, resumed, due_at = "running", end + 1, stamp(started), stamp(due)
            if warn >= until:
                warn_at = stamp(warn)
        warned = stamp(warn) if warn < until else NULL
        breached = stamp(due) if due < until else NULL
        policy = NULL if clock.policy is None else clock.policy
        self.buffers[SlaClock].append(
            f"{self.ids[SlaClock]}\t{case_id}\t{kind}\t{state}\t{policy}\t{NULL}\t"
            f"{target}\t{warn_seconds}\t{used}\t{stamp(started)}\t{resumed}\t{paused_at}\t{due_at}\t{warn_at}\t"
            f"{warned}\t{breached}\t{stopped}"
        )
        self.ids[SlaClock] += 1
        return due if state == "running" else None

    def _costs(self, case_id: int, case: DrawnCase) -> None:
        """The cost lines; a refund's line with its refund in the ledger, settled a day later."""
        stamp, end, ids, buffers = self.ctx.stamp, self.ctx.end, self.ids, self.buffers
        for t, cost_kind, cents, actor, note in case.story.costs:
            amount = _money(cents)
            by = NULL if actor is None else actor
            buffers[CostLine].append(
                f"{ids[CostLine]}\t{case_id}\t{cost_kind}\t{amount}\tCNY\t{note}\t{by}\t{stamp(t + 60)}"
            )
            if cost_kind == "refund" and case.order >= 0:
                settled = min(t + DAY, end)
                how = case.resolution if case.resolution in REFUNDING_RESOLUTIONS else "refund"
                buffers[Refund].append(
                    f"{ids[Refund]}\t{case_id}\t{self.orders.base + case.order}\t{amount}\tCNY\t{how}\t\t"
                    f"{'succeeded' if settled > t else 'requested'}\tseed-{ids[Refund]}\t"
                    f"{by}\t{NULL}\t{NULL}\t{ids[CostLine]}\t{stamp(t + 60)}\t"
                    f"{stamp(settled + 60) if settled > t else NULL}\t"
                )
                ids[Refund] += 1
            ids[CostLine] += 1

    def _case_row(self, case_id: int, case: DrawnCase, due: dict[str, int | None]) -> None:
        stamp, story = self.ctx.stamp, case.story
        values = CASE_DEFAULTS.copy()
        values |= {
            "id": str(case_id),
            "number": f"B{case.index:08d}",
            "kind": case.kind,
            "status": story.status,
            "channel": case.channel,
            "priority": case.priority,
            "reason_code": case.reason,
            "reason_text": case.reason_text,
            "subject": case.subject,
            "customer_id": str(self.customers.base + case.customer),
            "team_id": str(self.staff.teams[case.team][0]),
            "created_at": stamp(story.t0),
            "updated_at": stamp(story.last),
            "reopened_count": str(len(story.reopens)),
            "version": str(1 + story.transitions),
            **case.fields,
        }
        if case.order >= 0:
            values["order_id"] = str(self.orders.base + case.order)
        if case.agent is not None:
            values["assignee_id"] = str(case.agent.user_id)
        fr_due, res_due = due[FIRST_RESPONSE], due[RESOLUTION]
        if fr_due is not None:
            values["first_response_due_at"] = stamp(fr_due)
        if res_due is not None:
            values["resolution_due_at"] = stamp(res_due)
        if fr_due is not None or res_due is not None:
            values["sla_due_at"] = stamp(min(t for t in (fr_due, res_due) if t is not None))
        for name, t in (
            ("first_responded_at", story.first_response),
            ("approved_at", story.approved_at),
            ("resolved_at", story.resolved_at),
            ("closed_at", story.closed_at),
        ):
            if t is not None:
                values[name] = stamp(t)
        if story.resolved_at is not None:
            values["resolution_type"] = case.resolution
            if case.refund is not None:
                values["refund_amount"] = _money(case.refund)
        self.buffers[Case].append("\t".join(CASE_ROW(values)))

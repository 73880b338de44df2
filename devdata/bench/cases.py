"""One synthetic case's story, drawn step by step: what the customer asked about which order, who
answered and how fast, the path of its kind through the state machine, the refund, a reopen, the
close. ``CaseDrawer.draw`` returns it as a ``DrawnCase``; ``devdata.bench.rows`` writes it.

The rows are what the services would have left behind: every status change is a ``transition``
event (its target from the state machine, ``devdata.bench.story``), the first response is a public
outbound ``reply`` by the assignee. What had not happened by the end of the history is not there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cases.models import GOODS_KINDS, CaseKind
from devdata.bench.context import Context
from devdata.bench.customers import Customers
from devdata.bench.mixes import (
    AUTO_CLOSE,
    CARRIERS,
    CHANNELS,
    COMPLAINT_CATEGORIES,
    COMPLAINT_PRIORITIES,
    FIRST_RESPONSE,
    KINDS,
    PRIORITIES,
    REASONS,
    REJECT_SHARE,
    REOPEN_SHARE,
    TEAM_OF_KIND,
    URGENT_SHARE_OF_HIGH,
    pick,
)
from devdata.bench.orders import OrderBook
from devdata.bench.sla import DefaultTargets
from devdata.bench.staff import Agent, Staff
from devdata.bench.story import Story
from devdata.bench.texts import REASON_TEXTS, REJECTIONS, REPLIES_IN, REPLIES_OUT, SUBJECTS
from devdata.bench.timing import DAY, HOUR
from devdata.state_machine import step_targets

GRADES = (("A", "B", "C"), [0.6, 0.95, 1.0 + 1e-9])  # a passed inspection's grade
RESOLUTION_AFTER_INSPECTION = {"return": "return_and_refund", "exchange": "exchange", "repair": "repair"}


@dataclass(frozen=True)
class Clock:
    """An SLA clock to write: its target (seconds) and the id of its policy."""

    target: int
    policy: int | None


@dataclass
class DrawnCase:
    """One case as drawn, indexes into the customers, orders and order lines; what ``rows`` writes."""

    index: int
    kind: str
    channel: str
    priority: str
    reason: str
    reason_text: str
    subject: str
    customer: int
    order: int  # -1: none
    team: int
    agent: Agent | None  # the assignee; None: still waiting in its team's queue
    replier: Agent  # who answers (the assignee unless unassigned)
    lines: list[tuple[int, int, int]]  # (order line index, quantity, value in cents)
    story: Story
    fields: dict[str, str]  # case columns as COPY text
    resolution: str
    refund: int | None  # cents
    first_response: Clock
    first_response_stop: int | None  # when it stopped without a reply (a cancellation)
    resolution_clock: Clock


class CaseDrawer:
    """Draws cases one after another from the shared random numbers (the order of draws is the history)."""

    def __init__(
        self,
        ctx: Context,
        *,
        customers: Customers,
        orders: OrderBook,
        staff: Staff,
        policy_ids: dict[str, int],
    ):
        self.ctx, self.customers, self.orders, self.staff = ctx, customers, orders, staff
        self.sla = DefaultTargets()
        # A policy missing from the database: its clocks point at the standard one, or at none.
        fallback = policy_ids.get(self.sla.catch_all)
        self.policy_ids = {name: policy_ids.get(name, fallback) for name in self.sla.names}
        self.step_targets = {kind: step_targets(kind) for kind in CaseKind.values}

    def draw(self, index: int, t0: int, load: float) -> DrawnCase:
        """Case number ``index``, opened at ``t0`` on a day of ``load`` (its volume over the mean)."""
        case = _Draw(self, t0, load)
        t_fr = case.first_response()
        case.path(t_fr)
        case.after_resolution()
        return case.drawn(index)


class _Draw:
    """The draws of one case, in the order they were always made (the same seed, the same history)."""

    def __init__(self, drawer: CaseDrawer, t0: int, load: float):
        self.d, self.ctx = drawer, drawer.ctx
        self.r, self.gauss, self.t0, self.load = self.ctx.rng.random, self.ctx.normal, t0, load
        r = self.r
        self.kind = pick(r, KINDS)
        self.channel = pick(r, CHANNELS)
        self.reason = pick(r, REASONS[self.kind])
        self.priority = pick(r, COMPLAINT_PRIORITIES if self.kind == "complaint" else PRIORITIES)
        # A complaint's category and severity columns; severity "" for any other case.
        self.classified = self._classify() if self.kind == "complaint" else {}
        self.severity = self.classified.get("complaint_severity", "")
        self._order_and_customer()
        staff = drawer.staff
        self.team = TEAM_OF_KIND[self.kind] if r() < 0.9 else int(r() * len(staff.teams))
        self.agent = staff.agents[pick(r, staff.team_mix[self.team])]
        self.who, self.label = self.agent.user_id, self.agent.label
        self._lines()
        self.story = Story(t0, self.ctx.end, drawer.step_targets[self.kind])
        self.fields: dict[str, str] = dict(self.classified)
        self.resolution = ""
        self.refund: int | None = None  # cents
        self.fr_stop: int | None = None  # when the first-response clock stopped without a reply
        self._created()

    def _classify(self) -> dict[str, str]:
        """A complaint's category (by its reason) and severity (by its priority), as an agent would set them."""
        r = self.r
        urgent = self.priority == "urgent" or (self.priority == "high" and r() < URGENT_SHARE_OF_HIGH)
        return {
            "complaint_category": pick(r, COMPLAINT_CATEGORIES[self.reason]),
            "complaint_severity": "urgent" if urgent else "normal",
        }

    def _order_and_customer(self) -> None:
        """A goods case claims an unused delivered order (none yet: a question instead); a complaint or an
        inquiry is sometimes about some recent order."""
        r, orders = self.r, self.d.orders
        self.order = -1
        if self.kind in GOODS_KINDS:
            self.order = orders.find_order(self.t0, self.kind)
            if self.order < 0:  # no order to claim against (the very first hours): a question instead
                self.kind, self.reason = "inquiry", "other"
            else:
                orders.used[self.order] = 1
        talk = self.kind in ("complaint", "inquiry")
        if self.order < 0 and talk and r() < (0.6 if self.kind == "complaint" else 0.35):
            self.order = orders.any_order(self.t0)
        self.customer = orders.customer[self.order] if self.order >= 0 else self.d.customers.pick()
        self.english = self.d.customers.en[self.customer]
        self.vip = self.d.customers.vip[self.customer]
        self.lang = 1 if self.english else 0

    def _lines(self) -> None:
        """The order lines a goods case is about (one, sometimes two) and their value."""
        r, orders = self.r, self.d.orders
        self.lines: list[tuple[int, int, int]] = []
        if self.kind in GOODS_KINDS:
            first, n = orders.line0[self.order], orders.nlines[self.order]
            if n == 1 or r() < 0.75:
                chosen = [first + int(r() * n)]
            else:
                chosen = [first + k for k in self.ctx.rng.sample(range(n), 2)]
            for j in chosen:
                q = orders.l_qty[j]
                qty = q if r() < 0.7 else 1 + int(r() * q)
                self.lines.append((j, qty, orders.l_paid[j] * qty // q))
        self.value = sum(v for _j, _q, v in self.lines)
        catalogue = self.d.orders.catalogue
        self.product = catalogue.p_name[orders.l_product[self.lines[0][0]]] if self.lines else ""

    def _created(self) -> None:
        created_by, created_label = {"phone": (self.who, self.label), "api": (None, "system")}.get(
            self.channel, (None, "customer")
        )
        self.reason_text = REASON_TEXTS[self.reason][self.lang]
        lines = ", ".join(f"[{self.d.orders.line_base + j}, {q}]" for j, q, _v in self.lines)
        self.story.event(
            self.t0,
            "created",
            created_by,
            created_label,
            self.channel,
            self.reason_text,
            # JSON written out by hand: json.dumps was a tenth of the generator's time.
            f'{{"kind": "{self.kind}", "reason": "{self.reason}", "lines": [{lines}], "routed": "seed_bench"}}',
            to=self.story.status,
        )

    # --- replies, times, the resolve step ---

    def reply_out(self, t: int) -> None:
        text = REPLIES_OUT[int(self.r() * 4)][self.lang]
        story = self.story
        if (
            story.event(t, "reply", self.who, self.label, self.channel, text, '{"direction": "out"}')
            and story.first_response is None
        ):
            story.first_response = t

    def reply_in(self, t: int) -> None:
        text = REPLIES_IN[int(self.r() * 4)][self.lang]
        self.story.event(t, "reply", None, "customer", self.channel, text, '{"direction": "in"}')

    def later(self, t: int, median_s: float, sig: float, low: float, high: float) -> int:
        return t + int(min(high, max(low, median_s * math.exp(sig * self.gauss()))))

    def resolve(self, t: int, resolution: str, refund_cents: int | None) -> bool:
        amount = "null" if refund_cents is None else f'"{refund_cents // 100}.{refund_cents % 100:02d}"'
        data = f'{{"resolution_type": "{resolution}", "refund_amount": {amount}, "resolution_note": ""}}'
        if not self.story.step(t, "resolve", self.who, self.label, data):
            return False
        self.story.resolved_at = t
        self.story.resolutions.append(t)
        return True

    # --- the first response ---

    def first_response(self) -> int:
        """When the first answer comes (slower under load and at night), and the SLA clocks' targets."""
        r, channel, t0 = self.r, self.channel, self.t0
        median, sigma = FIRST_RESPONSE[channel]
        delay = median * math.exp(sigma * self.gauss()) * self.agent.speed * (0.7 + 0.3 * self.load)
        if self.priority in ("high", "urgent"):
            delay *= 0.5
        local_hour = (t0 + self.ctx.utc_offset) % DAY // HOUR
        if channel not in ("chat", "phone") and local_hour < 8:  # the desk opens at 08:00
            delay += (8 - local_hour) * HOUR + r() * HOUR
        first, resolution = self.d.sla.for_case(
            kind=self.kind,
            channel=channel,
            priority=self.priority,
            tier="vip" if self.vip else "regular",
            severity=self.severity,
        )
        self.fr_clock = Clock(first.seconds, self.d.policy_ids[first.policy])
        self.resolution_clock = Clock(resolution.seconds, self.d.policy_ids[resolution.policy])
        return t0 + 1 + int(min(4 * DAY, delay))

    # --- the path of the kind ---

    def path(self, t_fr: int) -> None:
        """Rejected, withdrawn before any answer, or the path of its kind: goods back, or a conversation."""
        r, story, kind = self.r, self.story, self.kind
        u = r()
        if kind in GOODS_KINDS and u < REJECT_SHARE[kind]:
            text, data = REJECTIONS[int(r() * len(REJECTIONS))][self.lang]
            if story.step(t_fr, "reject", self.who, self.label, data, text):
                story.closed_at = t_fr
                self.fields["rejection_reason"] = text
                self.fields["policy_outcome"] = "review"
            self.reply_out(t_fr)
        elif u > 0.985:  # the customer withdraws before anyone answered
            t_cancel = self.t0 + int((t_fr - self.t0) * (0.2 + 0.7 * r()))
            if story.step(t_cancel, "cancel", None, "customer"):
                story.closed_at = self.fr_stop = t_cancel
        elif kind in GOODS_KINDS:
            self.goods(t_fr)
        else:
            self.conversation(t_fr)

    def goods(self, t_fr: int) -> None:
        """Approved; then refunded, or sent back, received, inspected and resolved (or never sent)."""
        r, story = self.r, self.story
        self.fields["policy_outcome"] = "review"
        if story.step(t_fr, "approve", self.who, self.label):
            story.approved_at = t_fr
        self.reply_out(t_fr)
        if self.kind == "refund_only":
            self.refund_only(t_fr)
        elif r() < 0.04:  # approved, never shipped: cancelled when the ship-by days ran out
            t_cancel = t_fr + 7 * DAY
            if story.step(t_cancel, "cancel", None, "system"):
                story.closed_at = t_cancel
        else:
            self.ship_back(t_fr)
        # A few more messages while the goods travel, before the resolution.
        rounds = 0 if r() < 0.6 else 1 if r() < 0.75 else 2
        t, limit = t_fr, story.resolved_at or self.ctx.end
        for _round in range(rounds):
            t_in = self.later(t, DAY, 0.8, HOUR, 4 * DAY)
            t_out = self.later(t_in, 2 * HOUR * self.agent.speed, 1.0, 60, 2 * DAY)
            if t_out >= limit:
                break
            self.reply_in(t_in)
            self.reply_out(t_out)
            t = t_out

    def refund_only(self, t_fr: int) -> None:
        r = self.r
        t_res = self.later(t_fr, 5 * HOUR * self.agent.speed, 0.9, 10 * 60, 5 * DAY)
        u = r()
        if u < 0.7:
            self.resolution, self.refund = "refund", self.value
        elif u < 0.95:
            self.resolution, self.refund = "partial_refund", max(1, int(self.value * (0.2 + 0.4 * r())))
        else:
            self.resolution = "goodwill_coupon"
        if self.resolve(t_res, self.resolution, self.refund) and r() < 0.5:
            self.story.cost(t_res, "handling", 300 + int(r() * 300), self.who)

    def ship_back(self, t_fr: int) -> None:
        """The customer ships it back, the warehouse receives it and inspects it on a working day."""
        r, story = self.r, self.story
        t_ship = self.later(t_fr, 12 * HOUR, 0.9, HOUR, 6 * DAY)
        carrier = CARRIERS[int(r() * len(CARRIERS))]
        tracking = f"{carrier}{int(r() * 1e12):012d}"
        data = f'{{"carrier": "{carrier}", "tracking_number": "{tracking}"}}'
        shipped = story.step(t_ship, "ship_return", None, "customer", data)
        if shipped:
            self.fields["return_carrier"], self.fields["return_tracking_number"] = carrier, tracking
        t_recv = self.later(t_ship, 28 * HOUR, 0.45, 6 * HOUR, 8 * DAY)
        # A regular customer who changed their mind pays the way back.
        paid_back = not (self.reason in ("no_reason", "wrong_size") and self.kind == "return" and not self.vip)
        if shipped and story.step(t_recv, "receive", None, "system") and paid_back:
            story.cost(t_recv, "shipping_back", 800 + int(r() * 700), None)
        # The warehouse inspects on working days.
        t_insp = self.later(t_recv, 3 * HOUR, 0.8, 20 * 60, 3 * DAY)
        weekday = (t_insp + self.ctx.utc_offset) // DAY % 7  # 1970-01-01, day 0, was a Thursday
        if weekday in (2, 3):  # Saturday or Sunday: on Monday
            t_insp += (4 - weekday) * DAY
        passed = r() < 0.9
        grade = pick(r, GRADES) if passed else ("C" if r() < 0.5 else "D")
        passed_json = "true" if passed else "false"
        if story.status == "received" and story.step(
            t_insp,
            "inspect",
            None,
            "system",
            f'{{"passed": {passed_json}, "grade": "{grade}", "inspection_note": ""}}',
        ):
            self.fields["inspection_passed"] = "t" if passed else "f"
            self.fields["inspection_grade"] = grade
            story.cost(t_insp, "handling", 300 + int(r() * 300), None)
            self.after_inspection(t_insp, passed, carrier)
            self.fields["_grade"] = grade

    def after_inspection(self, t_insp: int, passed: bool, carrier: str) -> None:
        """Resolved as the kind asks when it passed, else partly refunded or sent back to the customer."""
        r, story, who = self.r, self.story, self.who
        t_res = self.later(t_insp, 2 * HOUR * self.agent.speed, 0.8, 5 * 60, 3 * DAY)
        if passed:
            self.resolution = RESOLUTION_AFTER_INSPECTION[self.kind]
            self.refund = self.value if self.kind == "return" else None
        elif r() < 0.6:
            self.resolution, self.refund = "partial_refund", max(1, int(self.value * (0.3 + 0.4 * r())))
        else:
            self.resolution = "returned_to_customer"
        if not self.resolve(t_res, self.resolution, self.refund):
            return
        if self.resolution in ("exchange", "repair", "returned_to_customer"):
            story.cost(t_res, "shipping_out", 800 + int(r() * 700), who)
            self.fields["replacement_carrier"] = carrier
            self.fields["replacement_tracking_number"] = f"{carrier}{int(r() * 1e12):012d}"
            self.fields["replacement_shipped_at"] = self.ctx.stamp(t_res)
        if self.resolution == "repair":
            story.cost(t_res, "repair", int(min(30000, 2000 + 4000 * math.exp(0.7 * self.gauss()))), who)

    def conversation(self, t_fr: int) -> None:
        """A complaint or an inquiry: answered, a few rounds of waiting on the customer, resolved."""
        r, story, kind = self.r, self.story, self.kind
        story.step(t_fr, "start", self.who, self.label)
        self.reply_out(t_fr)
        u = r()
        if kind == "inquiry":
            rounds = 0 if u < 0.65 else 1 if u < 0.9 else 2
        else:
            rounds = 0 if u < 0.35 else 1 if u < 0.7 else 2 if u < 0.9 else 3
        t = t_fr
        for _round in range(rounds):
            story.step(t, "wait_for_customer", self.who, self.label)
            t_in = self.later(t, 6 * HOUR, 1.0, 5 * 60, 5 * DAY)
            self.reply_in(t_in)
            story.step(t_in, "resume", None, "customer")
            t = self.later(t_in, 1.5 * HOUR * self.agent.speed * (0.7 + 0.3 * self.load), 1.0, 60, 3 * DAY)
            self.reply_out(t)
        median_res = 40 * 60 if kind == "inquiry" else 8 * HOUR
        t_res = self.later(t, median_res * self.agent.speed, 1.0, 5 * 60, 5 * DAY)
        u = r()
        if kind == "inquiry" or u < 0.6:
            self.resolution = "answered"
        elif u < 0.85 or self.order < 0:
            self.resolution = "goodwill_coupon"
        else:
            orders = self.d.orders
            first, n = orders.line0[self.order], orders.nlines[self.order]
            paid = sum(orders.l_paid[first : first + n])
            self.resolution = "partial_refund"
            self.refund = max(1, min(paid, int(2000 * math.exp(0.6 * self.gauss()))))
        if self.resolve(t_res, self.resolution, self.refund) and self.resolution == "goodwill_coupon":
            story.cost(t_res, "compensation", (1000, 2000, 3000, 5000)[int(r() * 4)], self.who)

    # --- refund, reopen, close ---

    def after_resolution(self) -> None:
        """The refund's cost line; sometimes a reopen and a second resolve; then the close."""
        r, story = self.r, self.story
        if story.resolved_at is None:
            return
        t_res = story.resolved_at
        if self.refund:
            story.cost(t_res, "refund", self.refund, self.who, "Refund on resolution")
        if r() < REOPEN_SHARE[self.kind]:
            self.reopen(t_res)
        if story.status == "resolved":
            t_close = story.resolved_at + (
                AUTO_CLOSE if r() < 0.7 else int(min(6.9 * DAY, 20 * HOUR * math.exp(0.8 * self.gauss())))
            )
            auto = t_close - story.resolved_at == AUTO_CLOSE
            by, by_label = (None, "system") if auto else (self.who, self.label)
            if story.step(t_close, "close", by, by_label):
                story.closed_at = t_close

    def reopen(self, t_res: int) -> None:
        story = self.story
        t_reopen = self.later(t_res, 1.5 * DAY, 0.7, 2 * HOUR, 6.5 * DAY)
        self.reply_in(t_reopen)
        if not story.step(t_reopen, "reopen", self.who, self.label):
            return
        story.reopens.append(t_reopen)
        t_out = self.later(t_reopen, 2 * HOUR * self.agent.speed, 1.0, 60, DAY)
        self.reply_out(t_out)
        data = f'{{"resolution_type": "{self.resolution}", "refund_amount": null, "resolution_note": ""}}'
        t_res2 = self.later(t_out, 6 * HOUR, 1.0, 10 * 60, 3 * DAY)
        if story.step(t_res2, "resolve", self.who, self.label, data):
            story.resolved_at = t_res2
            story.resolutions.append(t_res2)

    def drawn(self, index: int) -> DrawnCase:
        story, lang = self.story, self.lang
        # A new case nobody has answered yet may still wait in its team's queue, unassigned.
        waiting = story.status == "new" and story.first_response is None and self.channel != "phone"
        assigned = not (waiting and self.r() < 0.25)
        topic = self.product or REASON_TEXTS[self.reason][lang].rstrip("。.")
        return DrawnCase(
            index=index,
            kind=self.kind,
            channel=self.channel,
            priority=self.priority,
            reason=self.reason,
            reason_text=self.reason_text,
            subject=SUBJECTS[self.kind][lang].format(topic),
            customer=self.customer,
            order=self.order,
            team=self.team,
            agent=self.agent if assigned else None,
            replier=self.agent,
            lines=self.lines,
            story=story,
            fields=self.fields,
            resolution=self.resolution,
            refund=self.refund,
            first_response=self.fr_clock,
            first_response_stop=self.fr_stop,
            resolution_clock=self.resolution_clock,
        )

"""Synthetic after-sales history for benchmarks and dashboards (``manage.py seed_bench``).

``seed(cases=N, seed=S, end=...)`` fills a PostgreSQL database with 18 months of history ending at
``end``: a catalogue of 300 products, 20 agents in three teams and a manager, about N/3 customers,
1.3 N orders over the whole period (the complaint and return rates divide by them), and N cases
with their lines, timeline events, SLA clocks, costs, refunds, survey invitations and answers. The
same N, seed and end give the same rows; only the ids depend on what the database held before.

The rows are what the services would have left behind, written without them (no signals, no
outbox, no SLA engine): every status change is a ``transition`` event whose target the state
machine gives (``devdata.state_machine``); the first response is a public outbound ``reply`` by the
assignee at ``first_responded_at``; the first-response and resolution clocks run on the targets of
the default SLA policies (``cases.sla.defaults``, counted in wall-clock time) and stop at the
response and the resolution, breached when that came late. What had not happened by ``end`` is not
there: the last two weeks hold the open backlog in the open statuses of each kind's path.

Shapes the dashboards should show: weekly and daily seasonality (Mondays and evenings busy), a
slow growth, the week after Singles' Day (11 November) at about three times the usual volume
(and the week after 618 at twice), slower answers under that load, agents who differ in speed and
in the scores they get, return rates that differ by category and SKU.

How: Python draws the rows with ``random.Random(seed)`` in time order and streams them to
PostgreSQL with COPY in batches of about 50,000 rows, on a second thread, so the server loads one
batch while the next is drawn. Only the index of the orders (a few arrays) stays in memory. The
whole load is one transaction: a run that fails leaves nothing behind.

The modules, by subject: ``run`` (the whole run), ``context`` (what a run shares, the progress),
``tables`` (columns), ``loading`` (COPY, the checks), ``timing`` and ``mixes`` (the shapes),
``catalogue``, ``staff``, ``customers``, ``orders``, ``cases`` (one case's story), ``story``,
``sla``, ``rows`` and ``surveys`` (the rows of a case), ``texts``.
"""

from devdata.bench.loading import SeedRefused
from devdata.bench.run import SeedResult, default_end, end_of_day, seed

__all__ = ["SeedRefused", "SeedResult", "default_end", "end_of_day", "seed"]

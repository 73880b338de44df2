"""Reads that are more than ``.get()``: the case list, a case with its timeline, an order, and
the steps a user can take on a case now. Each one fetches what its callers show in a fixed
number of queries (select_related / prefetch_related), however many rows there are."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, Max, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from cases import search as search_text
from cases.catalog.carriers import CARRIERS
from cases.masking import api_sees_full_contact, mask_contact, mask_email, mask_identity, mask_name, mask_phone
from cases.models import (
    DESK_QUEUES,
    OPEN_STATUSES,
    TRANSITION_NAMES,
    ApprovalRequest,
    Article,
    CannedReply,
    Case,
    CaseEvent,
    CaseKind,
    CaseLine,
    CaseStatus,
    Channel,
    CostLine,
    Customer,
    EventType,
    Macro,
    Notification,
    Order,
    OrderLine,
    Refund,
    RevisitTask,
    SavedView,
    SlaClock,
)
from cases.money import approvals
from cases.money import ledger as refunds
from cases.money.approvals import pending as pending_approval
from cases.policy.engine import PolicyLine, claimed_quantities
from cases.policy.engine import evaluate as evaluate_policy
from cases.workflow.steps import step_label, transition_permission, unmet_conditions
from core import clock, phones
from core.pagination import KeysetOrdering

if TYPE_CHECKING:
    from django_fsm import Transition


def case_list() -> QuerySet[Case]:
    """Every case with what a list row shows (customer, order, assignee, team) in the same query.

    The caller filters and orders it (the API's keyset pagination orders by SLA or by age).
    """
    return Case.objects.select_related("customer", "order", "assignee", "team")


def case_detail(*, number: str) -> Case | None:
    """One case by number with its lines and its whole timeline (staff see internal events too)."""
    return (
        Case.objects.select_related("customer", "order", "assignee", "team", "merged_into")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=CaseLine.objects.select_related("order_line", "requested_variant").order_by(
                    "order_line__line_no"
                ),
            ),
            Prefetch("events", queryset=CaseEvent.objects.select_related("actor").order_by("created_at", "id")),
            Prefetch("clocks", queryset=SlaClock.objects.order_by("started_at", "id")),
            Prefetch("costs", queryset=CostLine.objects.order_by("created_at", "id")),
            Prefetch("related", queryset=Case.objects.order_by("number")),
            "tags",
        )
        .filter(number=number)
        .first()
    )


def case_by_number(*, number: str) -> Case | None:
    """One case by number, with the order its services read (refund limits, currency)."""
    return Case.objects.select_related("customer", "order").filter(number=number).first()


def order_detail(*, number: str) -> Order | None:
    """One order by number with its customer and its lines and their products."""
    return (
        Order.objects.select_related("customer")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("line_no")))
        .filter(number=number)
        .first()
    )


def notifications_for(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """A staff user's own notifications, newest first, with their case's number."""
    qs = Notification.objects.filter(user=user).select_related("case").order_by("-created_at", "-id")
    return qs.filter(read_at__isnull=True) if unread_only else qs


def revisit_tasks(*, user: User, mine: bool = False, done: bool | None = None) -> QuerySet[RevisitTask]:
    """Revisit tasks of the cases ``user`` may see (teams restricting), the ones due first first;
    ``mine``: assigned to ``user``."""
    qs = RevisitTask.objects.select_related("case", "assignee", "team").order_by("due_at", "id")
    if teams_restrict(user):
        qs = qs.filter(case__in=Case.objects.filter(visible_to(user)))
    if mine:
        qs = qs.filter(assignee=user)
    if done is not None:
        qs = qs.filter(done_at__isnull=not done)
    return qs


@dataclass(frozen=True)
class TransitionOption:
    """A step the case's state machine offers from its current status, and whether ``user`` may take it."""

    name: str
    label: str
    target: str
    permitted: bool
    unmet_conditions: list[str]
    params: list[str]

    @property
    def allowed(self) -> bool:
        return self.permitted and not self.unmet_conditions


def transition_options(*, case: Case, user: User) -> list[TransitionOption]:
    """The steps leaving the case's current status, in the state machine's order.

    A step is listed even when a condition or the user's permission keeps it from running, with
    the reasons, so a client can show it greyed out with why.
    """
    field = Case._meta.get_field("status")
    found: dict[str, Transition] = {}
    t: Transition | None
    for t in field.get_all_transitions(Case):
        if t.source in (case.status, "*") and t.name not in found:
            found[t.name] = t
    options = []
    for name in TRANSITION_NAMES:
        t = found.get(name)
        if t is None:
            continue
        permission = transition_permission(name)
        options.append(
            TransitionOption(
                name=name,
                label=step_label(name),
                target=str(t.target),
                permitted=not permission or user.has_perm(permission),
                unmet_conditions=unmet_conditions(case=case, name=name),
                params=list(t.custom.get("params", [])),
            )
        )
    return options


__all__ = [
    "TransitionOption",
    "case_by_number",
    "case_detail",
    "case_list",
    "notifications_for",
    "order_detail",
    "revisit_tasks",
    "transition_options",
]


# --- who sees which cases -------------------------------------------------------------------------


def teams_restrict(user: User) -> bool:
    """With DESK_TEAMS_RESTRICT on, a user without ``view_all_teams`` sees only their teams' cases."""
    return settings.DESK_TEAMS_RESTRICT and not user.has_perm("cases.view_all_teams")


def visible_to(user: User) -> Q:
    """The cases ``user`` may see: all of them, or (teams restricting) their teams', theirs and the
    ones no team owns yet."""
    if not teams_restrict(user):
        return Q()
    if not user.is_authenticated:  # nobody's teams (the schema generator asks as anonymous)
        return Q(pk__in=[])
    return Q(team__isnull=True) | Q(team__in=user.teams.values("pk")) | Q(assignee=user)


def can_see(user: User, case: Case) -> bool:
    if not teams_restrict(user):
        return True
    return case.team_id is None or case.assignee_id == user.pk or user.teams.filter(pk=case.team_id).exists()


# --- the agents' workbench (/desk/) ---------------------------------------------------------------

QUEUES = DESK_QUEUES
BREACHING_WITHIN = timedelta(hours=2)
QUEUE_ORDER = KeysetOrdering("sla_due_at", nullable=True)
COUNT_CAP = 1000


@dataclass(frozen=True)
class QueuePage:
    rows: list[Case]
    next_cursor: tuple[Any, ...] | None
    count: int  # up to COUNT_CAP; more shows as "1000+"

    @property
    def count_capped(self) -> bool:
        return self.count > COUNT_CAP


def desk_queue(
    *,
    user: User,
    queue: str,
    filters: dict[str, Any],
    search: str = "",
    after: tuple[Any, ...] | None = None,
    size: int = 25,
) -> QueuePage:
    """One page of a queue, ordered by the SLA due time (none last), with a bounded count.

    A fixed number of queries whatever the page size: the page (with customer, order, assignee
    and team joined), the capped count, the user's teams for the team queue, the matching ids for
    a search.
    """
    search = search.strip()
    qs = queue_cases(
        user=user,
        queue=queue,
        filters=filters,
        team_ids=list(user.teams.values_list("pk", flat=True)) if queue == "team" else [],
        search_ids=list(_search_ids(search)) if search else None,
    )
    count = qs.order_by()[: COUNT_CAP + 1].count()
    page = qs.select_related("customer", "order", "assignee", "team").order_by(*QUEUE_ORDER.order_by())
    if after is not None:
        page = page.filter(QUEUE_ORDER.after(*after))
    rows = list(page[: size + 1])
    next_cursor = (rows[size - 1].sla_due_at, rows[size - 1].pk) if len(rows) > size else None
    return QueuePage(rows=rows[:size], next_cursor=next_cursor, count=count)


def queue_cases(
    *,
    user: User,
    queue: str,
    filters: dict[str, Any],
    team_ids: list[int] | QuerySet[Any, Any],
    search_ids: list[int] | QuerySet[Case, int] | None = None,
) -> QuerySet[Case]:
    """The cases of a queue with its filters, unordered and not yet read: the user's teams and the
    ids a search matched are given as lists (the queue page reads them first) or as subqueries (the
    saved views' counts, one query for all of them)."""
    qs = Case.objects.filter(status__in=OPEN_STATUSES).filter(visible_to(user))
    if queue == "mine":
        qs = qs.filter(assignee=user)
    elif queue == "team":
        qs = qs.filter(team__in=team_ids, assignee__isnull=True)
    elif queue == "breaching":
        qs = qs.filter(sla_due_at__lte=clock.now() + BREACHING_WITHIN)
    elif queue == "waiting":
        qs = qs.filter(status=CaseStatus.AWAITING_CUSTOMER)
    elif queue == "approval":
        qs = qs.filter(pk__in=ApprovalRequest.objects.filter(decided_at__isnull=True).values("case_id"))
    for field in ("kind", "channel", "status", "priority"):
        if filters.get(field):
            qs = qs.filter(**{field: filters[field]})
    if filters.get("tier"):
        qs = qs.filter(customer__tier=filters["tier"])
    if filters.get("reason"):
        qs = qs.filter(reason_code=filters["reason"])
    if filters.get("tag"):
        qs = qs.filter(tags__name=filters["tag"])
    if search_ids is not None:
        qs = qs.filter(pk__in=search_ids)
    return qs


# --- saved views and bulk actions (issue 18) --------------------------------------------------------

SIDEBAR_VIEWS = 20  # the side bar shows the user's own views and the shared ones, this many at most
VIEW_COUNT_CAP = 99  # a view's count stops here: more shows as "99+"


def saved_views(*, user: User) -> list[SavedView]:
    """The user's own views and the ones shared with the desk (at most ``SIDEBAR_VIEWS``), by name."""
    return list(SavedView.objects.filter(Q(owner=user) | Q(shared=True)).select_related("owner")[:SIDEBAR_VIEWS])


def saved_view_counts(*, user: User, views: list[SavedView]) -> dict[int, int]:
    """Each view's number of cases, capped at ``VIEW_COUNT_CAP + 1``, in one query for all views:
    each view's capped count is a scalar subquery of one SELECT (the user's teams and a search as
    subqueries too). The SQL is Django's own for each queryset, its parameters passed apart."""
    if not views:
        return {}
    parts: list[str] = []
    params: list[Any] = []
    for view in views:
        filters = dict(view.filters)
        search = str(filters.get("q", "")).strip()
        qs = queue_cases(
            user=user,
            queue=str(filters.get("queue", "")),
            filters=filters,
            team_ids=user.teams.values("pk"),
            search_ids=_search_ids(search) if search else None,
        )
        sql, sql_params = qs.order_by().values("pk")[: VIEW_COUNT_CAP + 1].query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS view_{len(parts)})")  # noqa: S608 - Django's SQL
        params.extend(sql_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {view.pk: int(count) for view, count in zip(views, row, strict=True)}


def bulk_cases(*, user: User, numbers: list[str]) -> list[Case]:
    """The cases of ``numbers`` the user may see, with what the bulk actions read (customer, order,
    tags), in the order given; numbers not found are left out (the caller reports them)."""
    found = {
        case.number: case
        for case in Case.objects.filter(number__in=numbers)
        .filter(visible_to(user))
        .select_related("customer", "order")
        .prefetch_related("tags")
    }
    return [found[n] for n in numbers if n in found]


def macros() -> QuerySet[Macro]:
    return Macro.objects.filter(active=True).select_related("reply").order_by("position", "title")


SEARCH_CAP = 5000


def _search_ids(search: str) -> QuerySet[Case, int]:
    """Ids of the cases a search matches, each way through its own index, in one UNION query.

    Case number, order number, the customer's email, phone or name, and the words of the messages
    (the customer's and the agents') and of the request, Chinese included: on PostgreSQL the bigram
    search vectors of migration 0020 (``cases.search``: 退货 finds 我想退货), by substring where
    they cannot answer. One OR over all of them would scan the case table instead.
    """
    ids: Callable[[QuerySet[Case]], QuerySet[Case, int]] = lambda qs: qs.values_list("id", flat=True).order_by()  # noqa: E731
    phone = phones.e164_or_none(search) or search  # phones are stored as E.164 (core.phones)
    customers = Customer.objects.filter(
        Q(email__iexact=search) | Q(phone=phone) | search_text.text_matches("name", search)
    ).values("id")
    messages = CaseEvent.objects.filter(
        search_text.text_matches("note", search), type__in=[EventType.CREATED, EventType.REPLY, EventType.NOTE]
    ).values("case_id")
    return ids(Case.objects.filter(number=search.upper())).union(
        ids(Case.objects.filter(order__number=search)),
        ids(Case.objects.filter(customer_id__in=customers)),
        ids(Case.objects.filter(pk__in=messages)),
    )[:SEARCH_CAP]


@dataclass(frozen=True)
class Customer360:
    orders: list[Order]
    earlier_cases: list[Case]
    returns_last_year: int


def customer_360(*, case: Case) -> Customer360:
    """The customer's orders (with lines), their other cases and their outcomes, returns in a year."""
    customer = case.customer
    orders = list(
        Order.objects.filter(customer=customer)
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("line_no")))
        .order_by("-placed_at")[:20]
    )
    earlier = list(Case.objects.filter(customer=customer).exclude(pk=case.pk).order_by("-created_at")[:20])
    year_ago = clock.now() - timedelta(days=365)
    returns = Case.objects.filter(
        customer=customer, kind__in=[CaseKind.RETURN, CaseKind.EXCHANGE, CaseKind.REFUND_ONLY], created_at__gte=year_ago
    ).count()
    return Customer360(orders=orders, earlier_cases=earlier, returns_last_year=returns)


# The key of an inbound entry's data that the intake sets to False when nobody vouches for the sender
# (a visitor who typed the customer's email into a chat, a mail from an address not on file that
# names an order); True on the entry that records a later proof (a one-time code, an agent's link).
SENDER_VERIFIED = "sender_verified"
_UNVERIFIED = Q(**{f"data__{SENDER_VERIFIED}": False})
# Its complement, spelled out: ``~_UNVERIFIED`` would drop the entries without the key (NULL in SQL).
VOUCHED = Q(**{f"data__{SENDER_VERIFIED}__isnull": True}) | Q(**{f"data__{SENDER_VERIFIED}": True})


def reply_channels(case: Case) -> list[tuple[str, str]]:
    """The channels an agent may answer on: the ones the customer wrote on in this case (its
    ``created`` entry and their inbound replies), the most recently used first, then the case's
    own channel if they never wrote on it. The first is the default. One query, a handful of rows.

    Senders nobody vouched for (``SENDER_VERIFIED`` False) do not count while a verified sender wrote
    on the case: their channel is neither the default nor offered, so an answer never follows a
    stranger who wrote last. On a case only such senders wrote on (the case opened for them) their
    channels are offered, labelled as not verified, so the agent can talk to them and check who they
    are; the delivery (channels_app.replies) applies the same rule per message.
    """
    rows = (
        CaseEvent.objects.filter(case=case, public=True)
        .filter(Q(type=EventType.CREATED) | Q(type=EventType.REPLY, data__direction="in"))
        .exclude(channel="")
        .annotate(unverified=ExpressionWrapper(_UNVERIFIED, output_field=BooleanField()))
        .values("channel", "unverified")
        .annotate(last_at=Max("created_at"), last_id=Max("id"))
        .order_by("-last_at", "-last_id")
    )
    verified: list[str] = []
    unverified: list[str] = []
    for row in rows:
        found = unverified if row["unverified"] else verified
        if row["channel"] not in found:
            found.append(row["channel"])
    labels = {value: str(label) for value, label in Channel.choices}
    if not verified and unverified:
        labels = {value: _("%(channel)s (sender not verified)") % {"channel": label} for value, label in labels.items()}
    values = verified or unverified
    if case.channel and case.channel not in values and (case.channel not in unverified or not verified):
        values.append(case.channel)
    return [(value, labels.get(value, value)) for value in values]


def sender_unverified(case: Case) -> bool:
    """The desk's badge: the latest word on the case's senders is an inbound entry from someone
    nobody vouched for, not followed by a proof (an entry with ``SENDER_VERIFIED`` True)."""
    latest = (
        CaseEvent.objects.filter(case=case, data__has_key=SENDER_VERIFIED)
        .order_by("-created_at", "-id")
        .values_list(f"data__{SENDER_VERIFIED}", flat=True)
        .first()
    )
    return latest is False


def has_verified_sender(case: Case) -> bool:
    """Someone the system vouches for wrote on the case (or opened it): then nothing goes to an
    unverified sender on it."""
    return (
        CaseEvent.objects.filter(case=case, public=True)
        .filter(Q(type=EventType.CREATED) | Q(type=EventType.REPLY, data__direction="in"))
        .filter(VOUCHED)
        .exists()
    )


def desk_case(*, number: str) -> Case | None:
    """A case for the desk: everything ``case_detail`` loads, plus its attachments."""
    case = case_detail(number=number)
    if case is not None:
        case.public_photos = list(case.attachments.order_by("-public", "created_at", "id"))  # type: ignore[attr-defined]  # for the page
    return case


class _Placeholders(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"  # an unknown placeholder stays as it was written


def canned_replies() -> QuerySet[CannedReply]:
    return CannedReply.objects.filter(active=True).order_by("position", "title")


def fill_canned_reply(*, reply: CannedReply, case: Case) -> str:
    """The reply in the customer's language with {name}, {order} and {rma} filled in from the case."""
    body = reply.body_zh if case.customer.language.startswith("zh") else reply.body_en
    values = _Placeholders(name=case.customer.name, order=case.order.number if case.order else "", rma=case.number)
    return body.format_map(values)


def search_articles(*, query: str, limit: int = 10) -> list[Article]:
    """Active knowledge-base articles whose title or text (either language) holds ``query``."""
    query = query.strip()[:100]
    if not query:
        return []
    return list(
        Article.objects.filter(active=True)
        .filter(
            Q(title_en__icontains=query)
            | Q(title_zh__icontains=query)
            | Q(body_en__icontains=query)
            | Q(body_zh__icontains=query)
            | Q(category__iexact=query)
        )
        .order_by("category", "title_en")[:limit]
    )


def article_text(*, article: Article, case: Case) -> str:
    """The article's text in the case customer's language, for a reply."""
    return article.body_zh if case.customer.language.startswith("zh") else article.body_en


def case_refunds(*, case: Case) -> QuerySet[Refund]:
    """The case's refunds in the ledger, oldest first, with their order lines."""
    return (
        Refund.objects.filter(case=case)
        .select_related("case", "order")
        .prefetch_related("lines__order_line")
        .order_by("created_at", "id")
    )


def case_money(*, case: Case, user: User) -> dict[str, Any]:
    """The refund panel of the case page: what the case refunded, what the order still holds, and how
    much more ``user`` may refund without an approval (the smallest of their limits over the
    refunding resolutions, so the figure never promises too much)."""
    now = refunds.standing(case=case)
    room = approvals.remaining_without_approval(user=user, case=case, refunded=now.refunded)
    return {
        "refunds": list(case.refunds.order_by("created_at", "id")),
        "refunded": now.refunded,
        "left": now.left,
        "currency": case.order.currency if case.order_id else case.currency,  # type: ignore[union-attr]  # order_id: an order
        "no_limit": room is None,
        "without_approval": room,
    }


# The public read API of the cases app: the functions above and the reads that live by domain.
__all__ = [
    "CARRIERS",
    "PolicyLine",
    "evaluate_policy",
    "Customer360",
    "QueuePage",
    "TransitionOption",
    "api_sees_full_contact",
    "article_text",
    "can_see",
    "canned_replies",
    "case_by_number",
    "case_detail",
    "case_list",
    "case_money",
    "case_refunds",
    "claimed_quantities",
    "customer_360",
    "desk_case",
    "desk_queue",
    "fill_canned_reply",
    "has_verified_sender",
    "mask_contact",
    "mask_email",
    "mask_identity",
    "mask_name",
    "mask_phone",
    "notifications_for",
    "order_detail",
    "pending_approval",
    "reply_channels",
    "revisit_tasks",
    "search_articles",
    "sender_unverified",
    "step_label",
    "teams_restrict",
    "transition_options",
    "transition_permission",
    "unmet_conditions",
    "visible_to",
]


def find_customers(*, query: str, limit: int = 20) -> list[Customer]:
    """Customers whose email (exact, any case), phone (as E.164) or name (a part: one character is a
    Chinese surname) matches, newest first, at most ``limit``; none for an empty query."""
    query = (query or "").strip()[:100]
    if not query:
        return []
    phone = phones.e164_or_none(query) or query
    return list(
        Customer.objects.filter(Q(email__iexact=query) | Q(phone=phone) | Q(name__icontains=query)).order_by(
            "-created_at", "-id"
        )[:limit]
    )

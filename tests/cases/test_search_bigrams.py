"""The workbench search in Chinese: bigram search vectors (migration 0020, cases.search).

The database function and the Python tokeniser agree; a two-character word is found anywhere in a
message or a name through the GIN index; English words, case numbers and a lone character still
find what they found with the substring match; the trigger keeps the vector right on every write.
"""

from __future__ import annotations

import pytest
from django.db import connection

from cases.models import CaseEvent, Customer, EventType
from cases.search import search_query, text_matches, tokens
from cases.selectors import desk_queue
from cases.services import add_message, create_case
from tests.cases.factories import CustomerFactory

pytestmark = pytest.mark.django_db

SAMPLES = [
    "我想退货",
    "快递包裹外箱严重破损，里面的杯子碎了",
    "I want a REFUND for order SO-2026-0042, please!",
    "iPhone15屏幕坏了 想换货",
    "退 货",
    "货",
    "",
    "!!! ... ？？",
    "日本語のテキストと한국어",
    "café naïve Ünïcode ÉCOLE",
    "x" * 100 + " 退货",
    "emoji 😀 退货😀换货",
    "长" * 17_000,
]


def complaint(text: str, **kw):
    return create_case(
        customer=kw.pop("customer", None) or CustomerFactory(), kind="complaint", channel="email", reason_text=text
    )


def vector(text: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT cases_search_vector(%s)::text", [text])
        return cursor.fetchone()[0]


def python_vector(text: str) -> str:
    """The tsvector the Python tokens describe, normalised by PostgreSQL (sorted, positions merged)."""
    literal = " ".join(f"'{token}':{pos}" for pos, token in tokens(text))
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::tsvector::text", [literal])
        return cursor.fetchone()[0]


@pytest.mark.parametrize("text", SAMPLES)
def test_the_database_and_python_tokenise_alike(text):
    assert vector(text) == python_vector(text)


def test_chinese_is_indexed_by_overlapping_bigrams_and_words_lower_cased():
    assert tokens("我想退货 iPhone15!") == [(1, "我想"), (2, "想退"), (3, "退货"), (5, "iphone15")]
    assert vector("我想退货") == "'想退':2 '我想':1 '退货':3"
    assert tokens("退 货") == [(1, "退"), (3, "货")], "a lone character stands for itself"


def test_the_query_is_a_phrase_of_bigrams_and_word_prefixes():
    assert search_query("退货") == "('退货')"
    assert search_query("包裹外箱") == "('包裹' <-> '裹外' <-> '外箱')"
    assert search_query("Refund 退货！") == "'refund':* & ('退货')"
    assert search_query("货") is None, "a lone character: the substring match answers"
    assert search_query("我 退货") is None
    assert search_query("!!! ？？") is None


def matches(text: str, query: str) -> bool:
    tsquery = search_query(query)
    assert tsquery is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT cases_search_vector(%s) @@ %s::tsquery", [text, tsquery])
        return cursor.fetchone()[0]


def test_a_two_character_word_is_found_anywhere_and_only_as_written():
    assert matches("我想退货", "退货")
    assert matches("您好，我上周买的外套想退货，怎么办？", "退货")
    assert matches("包裹外箱严重破损", "包裹外箱")
    assert not matches("我想退款", "退货")
    assert not matches("退一下货", "退货")
    assert not matches("我想退货，货款什么时候到", "退货款"), "the bigrams of a query stand next to each other"
    assert matches("Please REFUND my order", "refund")
    assert matches("refunded already", "refund"), "a word matches as a prefix"


def numbers(agent, query: str) -> list[str]:
    return sorted(c.number for c in desk_queue(user=agent, queue="open", filters={}, search=query).rows)


def test_the_queue_finds_a_two_character_chinese_word_in_the_middle_of_a_message(agent):
    wants_return = complaint("您好，我想退货，衣服尺码太小了")
    refund_only = complaint("我想退款")
    reply = complaint("想咨询一下发票")
    add_message(case=reply, actor=agent, text="已为您办理退货，请寄回")
    assert numbers(agent, "退货") == sorted([wants_return.number, reply.number])
    assert numbers(agent, "退款") == [refund_only.number]
    assert numbers(agent, "尺码太小") == [wants_return.number]
    assert numbers(agent, "退货款") == []


def test_the_queue_finds_english_words_case_numbers_and_mixed_queries(agent):
    english = complaint("The zipper broke after one day, I want a refund")
    mixed = complaint("iPhone15 屏幕坏了")
    assert numbers(agent, "Zipper") == [english.number]
    assert numbers(agent, "refund zipper") == [english.number], "every word, in any order"
    assert numbers(agent, "iphone15 屏幕") == [mixed.number]
    assert numbers(agent, "iPhone15，屏幕！") == [mixed.number], "punctuation separates words"
    assert numbers(agent, mixed.number.lower()) == [mixed.number]


def test_a_lone_character_and_punctuation_fall_back_to_the_substring_match(agent):
    torn = complaint("外套破了")
    assert numbers(agent, "破") == [torn.number]
    assert numbers(agent, "？？") == []


def test_customer_names_are_searched_by_bigrams_too(agent):
    vip = CustomerFactory(name="欧阳小明")
    case = complaint("想问一下", customer=vip)
    assert numbers(agent, "小明") == [case.number]
    assert numbers(agent, "欧阳") == [case.number]
    Customer.objects.filter(pk=vip.pk).update(name="已删除")  # as erasure masks it
    assert numbers(agent, "小明") == [], "the trigger recomputes the vector when the name changes"


def test_the_trigger_fills_bulk_inserts_and_follows_an_erased_message(agent):
    case = complaint("普通咨询")
    CaseEvent.objects.bulk_create(
        [CaseEvent(case=case, type=EventType.NOTE, note="客户说包裹丢了", created_at=case.created_at)]
    )
    assert numbers(agent, "丢了") == [case.number]
    CaseEvent.objects.filter(case=case).update(note="")  # as erasure blanks it
    assert numbers(agent, "丢了") == []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM cases_caseevent WHERE case_id = %s AND search_vector IS NOT NULL", [case.pk]
        )
        assert cursor.fetchone()[0] == 0, "a blank text has no vector"


def test_the_message_search_uses_the_gin_indexes():
    case = complaint("我想退货")
    notes = [f"第{n}条留言，快递到了" for n in range(300)]
    CaseEvent.objects.bulk_create(
        CaseEvent(case=case, type=EventType.REPLY, note=note, created_at=case.created_at) for note in notes
    )
    CustomerFactory.create_batch(30)
    messages = CaseEvent.objects.filter(
        text_matches("note", "退货"), type__in=[EventType.CREATED, EventType.REPLY, EventType.NOTE]
    ).values("case_id")
    names = Customer.objects.filter(text_matches("name", "退货")).values("id")
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list('case_event_search_vector')")  # as autovacuum would
        cursor.execute("SELECT gin_clean_pending_list('customer_search_vector')")
        cursor.execute("ANALYZE cases_caseevent")
        cursor.execute("ANALYZE cases_customer")
        cursor.execute("SET enable_seqscan = off")
        try:
            plans = [messages.order_by().explain(), names.order_by().explain()]
        finally:
            cursor.execute("SET enable_seqscan = on")
    assert "case_event_search_vector" in plans[0], plans[0]
    assert "customer_search_vector" in plans[1], plans[1]


def test_a_search_of_the_queue_runs_a_fixed_number_of_queries(agent, django_assert_num_queries):
    for text in ("我想退货", "退货退款", "要退货"):
        complaint(text)
    desk_queue(user=agent, queue="open", filters={}, search="退货")  # warm the caches
    with django_assert_num_queries(3):  # the matching ids, the capped count, the page
        page = desk_queue(user=agent, queue="open", filters={}, search="退货")
    assert len(page.rows) == 3

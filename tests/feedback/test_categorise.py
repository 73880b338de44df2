"""Free feedback sorted by the default categories' keywords (migration 0002): a set of
real-sounding comments, Chinese and English, each with the category a person would give it, and
the edge cases of the matching (no keyword, mixed languages, case, words inside other words)."""

from __future__ import annotations

import re

import pytest

from feedback.models import FeedbackCategory
from feedback.services import categorise

pytestmark = pytest.mark.django_db

# (comment, expected category code); None: nothing a category should claim.
COMMENTS_ZH = [
    ("快递三天了还没到，物流信息也不更新", "logistics"),
    ("衣服洗了一次就掉色了，还起球，质量太差", "product_quality"),
    ("客服态度很差，问了三次都没人回", "service"),
    ("鞋子穿了一周就开胶了，做工太粗糙", "product_quality"),
    ("退款申请提交五天了还没到账", "payment"),
    ("登录的时候一直提示密码错误，重置也收不到验证码", "account"),
    ("建议增加夜间模式，晚上看着太刺眼", "suggestion"),
    ("快递员没打电话就把包裹放在门口，结果丢了", "logistics"),
    ("收到的杯子有裂痕，包装倒是完好", "product_quality"),
    ("付款的时候被多扣了一次钱", "payment"),
    ("会员积分突然清零了，也没有任何通知", "account"),
    ("希望能支持货到付款", "suggestion"),
    ("在线客服一直是机器人回复，转人工根本转不了", "service"),
    ("优惠券领了却用不了，结算价格还是原价", "payment"),
    ("下单一周了还没发货，到底什么时候发", "logistics"),
    ("手机号换了，账号怎么解绑，一直绑定不了新号码", "account"),
    ("买到的是假货，跟专柜的完全不一样", "product_quality"),
    ("开发票要等多久？已经申请两次了", "payment"),
    ("能不能增加一个按尺码筛选的功能", "suggestion"),
    ("售后电话一直打不通，打了十几次", "service"),
    ("耳机用了两天左边就没声音了，应该是故障", "product_quality"),
    ("配送太慢了，同城都要四天", "logistics"),
]

COMMENTS_EN = [
    ("The zipper broke after two days", "product_quality"),
    ("My parcel has been stuck in transit for a week and tracking hasn't updated", "logistics"),
    ("The agent was rude and hung up on me", "service"),
    ("Please add Alipay as a payment option", "suggestion"),
    ("I was charged twice for the same order", "payment"),
    ("I can't log in, the password reset email never arrives", "account"),
    ("The fabric feels cheap and the stitching came loose", "product_quality"),
    ("Still waiting for my refund, it's been two weeks", "payment"),
    ("The courier left the package at the wrong address", "logistics"),
    ("Nobody replied to my email for five days", "service"),
    ("It would be nice to have a size guide with real measurements", "suggestion"),
    ("My member points disappeared from my account", "account"),
    ("The screen cracked the first time I dropped it from a table", "product_quality"),
    ("Delivery took three weeks, far longer than promised", "logistics"),
    ("The price went down the day after I bought it, can I get the difference back?", "payment"),
    ("Customer support kept sending me canned answers without reading my message", "service"),
    ("I think the bag is fake, the logo is printed crooked", "product_quality"),
    ("I wish you had a dark mode in the app", "suggestion"),
    ("Your invoice shows the wrong company name", "payment"),
    ("I never received the verification code to sign in", "account"),
    ("The shoes smell of glue and the sole is peeling off", "product_quality"),
    ("Shipping was slow and the box arrived crushed", "logistics"),
]


def _miss_report(comments):
    misses = []
    for text, expected in comments:
        found = categorise(text)
        code = found.category.code if found.category else None
        if code != expected:
            misses.append(f"{text!r}: expected {expected}, got {code} ({found.matched})")
    return misses


def test_the_migration_installs_the_six_default_categories():
    codes = list(FeedbackCategory.objects.values_list("code", flat=True))
    assert codes == ["product_quality", "logistics", "service", "payment", "account", "suggestion"]
    for category in FeedbackCategory.objects.all():
        words = category.keywords.splitlines()
        assert any(not w.isascii() for w in words) and any(w.isascii() for w in words), category.code
        assert category.name_en and category.name_zh


def test_at_least_90_percent_of_real_comments_land_in_the_expected_category():
    comments = COMMENTS_ZH + COMMENTS_EN
    assert len(COMMENTS_ZH) >= 20 and len(COMMENTS_EN) >= 20
    misses = _miss_report(comments)
    accuracy = 1 - len(misses) / len(comments)
    assert accuracy >= 0.9, f"{accuracy:.0%} correct; misses:\n" + "\n".join(misses)


@pytest.mark.parametrize("comments", [COMMENTS_ZH, COMMENTS_EN], ids=["zh", "en"])
def test_each_language_on_its_own_is_at_least_85_percent_right(comments):
    misses = _miss_report(comments)
    assert 1 - len(misses) / len(comments) >= 0.85, "\n".join(misses)


def test_a_text_without_any_keyword_has_no_category():
    for text in ("谢谢", "Thanks, all good", "", "   ", "12345"):
        found = categorise(text)
        assert found.category is None and found.matched == []


def test_mixed_chinese_and_english_counts_both_languages():
    found = categorise("退款 still not received, refund 申请已经一周了")
    assert found.category.code == "payment"
    assert {"退款", "refund"} <= set(found.matched)


def test_english_keywords_match_whatever_the_case():
    assert categorise("THE PARCEL NEVER ARRIVED").category.code == "logistics"
    assert categorise("Refund Please").category.code == "payment"


def test_an_english_keyword_inside_another_word_does_not_count():
    # "pay" is a payment keyword; "repay" and "prepaid" do not contain it from a word start.
    assert "pay" not in categorise("I will repay the favour").matched
    assert categorise("I will repay the favour").category is None
    # "agent" must not fire inside "reagent"; "member" not inside "remember".
    assert categorise("The reagent bottle").category is None
    assert categorise("I remember ordering it").category is None


def test_an_english_keyword_matches_its_longer_forms_from_the_word_start():
    assert "refund" in categorise("I was never refunded").matched
    assert "deliver" in categorise("It was delivered to my neighbour").matched


def test_a_tie_goes_to_the_category_with_the_lower_position():
    # one product word ("broke") and one logistics word ("parcel"): product quality comes first
    found = categorise("the parcel came and the handle broke")
    assert found.category.code == "product_quality"


def test_a_manager_s_new_keyword_takes_effect_at_once():
    account = FeedbackCategory.objects.get(code="account")
    assert categorise("my avatar vanished").category is None
    account.keywords += "\navatar"
    account.save()
    assert categorise("my avatar vanished").category.code == "account"


def _inside(word: str, other: str) -> bool:
    """Whether ``word`` matches inside ``other`` the way categorise matches (English: from a word start)."""
    if word.isascii():
        return re.search(rf"(?<![a-z]){re.escape(word)}", other) is not None
    return word in other


def test_no_default_keyword_contains_another_of_its_own_category():
    """A keyword inside another of the same list would count one mention twice."""
    for category in FeedbackCategory.objects.all():
        words = [w.strip().lower() for w in category.keywords.splitlines() if w.strip()]
        assert len(words) == len(set(words)), category.code
        nested = [(a, b) for a in words for b in words if a != b and _inside(a, b)]
        assert nested == [], category.code

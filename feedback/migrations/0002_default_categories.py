"""The six default categories of free feedback, with Chinese and English keywords (issue 7).

``feedback.services.categorise`` counts, per category, the distinct keywords found in a text:
Chinese ones as substrings, English ones from the start of a word ("refund" matches "refunded",
"pay" does not match "repay"). So the lists avoid keywords that sit inside common words of
another topic, prefer short phrases to single weak characters, and no keyword contains another
of its own list (that text would count twice). A tie goes to the lower
position: product quality first (the most specific complaints), suggestion last (its words,
like 希望 or "please", also appear in complaints about every other topic).

Managers edit the lists in admin; tests/feedback/test_categorise.py measures them on real-sounding
comments. The reverse migration deletes these six (by code), and nothing else.
"""

from django.db import migrations

CATEGORIES = [
    {
        "code": "product_quality",
        "name_en": "Product quality",
        "name_zh": "产品质量",
        "position": 10,
        "keywords": [
            # zh
            "质量", "坏了", "损坏", "坏掉", "破损", "破了", "破洞", "开胶", "掉色", "褪色", "起球", "做工",
            "瑕疵", "假货", "假的", "正品", "次品", "劣质", "断了", "裂", "碎了", "脱线", "线头", "缩水",
            "异味", "味道", "划痕", "色差", "变形", "生锈", "发霉", "漏水", "故障", "死机", "不能用",
            "用不了", "没反应", "尺码", "偏大", "偏小", "材质", "面料", "不亮", "充不进",
            # en
            "broke", "defect", "quality", "cheap", "fake", "counterfeit", "faulty", "damaged", "stopped working",
            "doesn't work", "does not work", "not working", "dead on arrival", "torn", "ripped", "crack",
            "scratch", "stain", "peel", "fade", "shrank", "shrunk", "smell", "flimsy", "fell apart",
            "falls apart", "stitch", "seam", "material", "fabric", "wrong size", "too small", "too big", "leak",
            "won't charge", "not charging",
        ],
    },
    {
        "code": "logistics",
        "name_en": "Delivery and logistics",
        "name_zh": "物流",
        "position": 20,
        "keywords": [
            # zh
            "快递", "物流", "发货", "配送", "慢", "丢件", "丢了", "包装", "送货", "派送", "签收", "没收到",
            "还没到", "到货", "运输", "驿站", "顺丰", "中通", "圆通", "韵达", "申通", "邮政",
            "寄回", "单号", "运单", "揽收", "送到",
            # en
            "courier", "deliver", "shipping", "shipped", "shipment", "parcel", "package", "tracking",
            "arrive", "never came", "in transit", "dispatch", "carrier", "postman",
            "post office", "lost in", "slow", "doorstep", "wrong address", "days late",
        ],
    },
    {
        "code": "service",
        "name_en": "Customer service",
        "name_zh": "服务",
        "position": 30,
        "keywords": [
            # zh
            "客服", "态度", "回复", "不理", "没人", "服务", "人工", "机器人", "电话", "打不通", "敷衍",
            "推脱", "踢皮球", "不耐烦", "不专业", "挂断", "答非所问", "等了", "售后",
            # en
            "agent", "rude", "support", "response", "respond", "reply", "replied", "customer service",
            "staff", "ignored", "unhelpful", "helpful", "hung up", "on hold", "answer", "impolite",
            "representative", "live chat",
        ],
    },
    {
        "code": "payment",
        "name_en": "Payment, refunds and prices",
        "name_zh": "支付",
        "position": 40,
        "keywords": [
            # zh
            "付款", "支付", "退款", "扣款", "扣费", "多扣", "到账", "发票", "优惠券",
            "价格", "差价", "降价", "收费", "运费", "余额", "账单", "信用卡", "花呗", "红包", "满减",
            "太贵", "价保", "钱",
            # en
            "pay", "paid", "refund", "charge", "overcharge", "invoice", "receipt", "coupon", "voucher",
            "discount", "promo code", "price", "expensive", "billing", "billed", "money", "credit card",
            "alipay", "checkout", "fee",
        ],
    },
    {
        "code": "account",
        "name_en": "Account and membership",
        "name_zh": "账户",
        "position": 50,
        "keywords": [
            # zh
            "账号", "账户", "帐号", "登录", "登陆", "密码", "会员", "积分", "绑定", "解绑", "注册", "验证码",
            "手机号", "注销", "个人信息", "封号", "被盗", "昵称", "头像",
            # en
            "account", "login", "log in", "logged in", "sign in", "signed in", "password", "member",
            "points", "register", "verification code", "username", "profile", "locked out", "sign up",
            "two-factor", "email address",
        ],
    },
    {
        "code": "suggestion",
        "name_en": "Suggestions",
        "name_zh": "建议",
        "position": 60,
        "keywords": [
            # zh
            "建议", "希望", "能不能", "如果", "增加", "添加", "新增", "能否", "可不可以", "可以考虑",
            "最好能", "功能", "选项", "要是能", "推出", "多一些", "支持一下",
            # en
            "suggest", "would be nice", "would be great", "would love", "please add", "could you add",
            "can you add", "wish", "idea", "feature", "option", "consider", "it would help", "improve",
            "recommend adding", "dark mode",
        ],
    },
]


def create(apps, schema_editor):
    FeedbackCategory = apps.get_model("feedback", "FeedbackCategory")
    for row in CATEGORIES:
        FeedbackCategory.objects.update_or_create(
            code=row["code"],
            defaults={
                "name_en": row["name_en"],
                "name_zh": row["name_zh"],
                "position": row["position"],
                "keywords": "\n".join(row["keywords"]),
            },
        )


def delete(apps, schema_editor):
    FeedbackCategory = apps.get_model("feedback", "FeedbackCategory")
    FeedbackCategory.objects.filter(code__in=[row["code"] for row in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]

    operations = [migrations.RunPython(create, delete)]

"""What the demo's customers and agents wrote, in Chinese and English (data, so not translated):
subjects and descriptions by topic, the note on each step, rejection reasons, resolutions."""

from __future__ import annotations

from cases.models import CaseKind, ResolutionType

# topic -> (zh subject, zh text, en subject, en text)
TEXTS = {
    "kettle_dent": (
        "水壶外壳有凹痕",
        "收到的水壶侧面有明显凹痕，包装箱也破了。",
        "Kettle arrived dented",
        "The kettle has a dent on the side and the box was torn.",
    ),
    "changed_mind": (
        "七天无理由退货",
        "不想要了，商品未使用，吊牌完好。",
        "No-reason return",
        "Changed my mind; unused, tags on.",
    ),
    "too_small": ("尺码偏小", "平时穿M，这件偏小，想换大一号。", "Too small", "I usually wear M but this runs small."),
    "too_big": ("尺码偏大", "鞋子偏大一码，走路掉跟。", "Too big", "The shoes are half a size too big."),
    "other_colour": ("想换颜色", "实物颜色和想象的不一样，想换灰色。", "Other colour", "I would prefer the grey one."),
    "sole_peeling": (
        "鞋底开胶",
        "穿了两天鞋底就开胶了，已拍照。",
        "Sole coming off",
        "The sole started peeling after two days; photos attached.",
    ),
    "suit_changed_mind": (
        "定制西装想退",
        "西装不太合适，想退货。",
        "Return a made-to-measure suit",
        "The suit is not what I expected; I would like to return it.",
    ),
    "colour_off": (
        "颜色与描述不符",
        "图片是藏青色，收到的是黑色。",
        "Colour not as described",
        "The listing shows navy, I received black.",
    ),
    "buds_cracked": (
        "耳机盒破裂",
        "耳机充电盒收到时就裂了。",
        "Earbuds case cracked",
        "The charging case arrived cracked.",
    ),
    "buds_one_side": (
        "耳机一边没声音",
        "左耳耳机没有声音，已重置过。",
        "One earbud silent",
        "The left earbud plays no sound, even after a reset.",
    ),
    "kettle_no_heat": (
        "水壶不加热",
        "插电后指示灯亮但不加热。",
        "Kettle does not heat",
        "The light is on but it never heats.",
    ),
    "phone_screen": (
        "屏幕闪烁",
        "手机屏幕偶尔闪烁，有条纹。",
        "Screen flickers",
        "The screen flickers and shows lines.",
    ),
    "phone_battery": ("电池续航短", "充满电只能用三小时。", "Battery drains fast", "A full charge lasts three hours."),
    "phone_missing": (
        "包裹里没有手机",
        "外箱完好但里面没有手机。",
        "Phone missing from parcel",
        "The box was sealed but the phone was not inside.",
    ),
    "lychee_spoiled": (
        "荔枝坏了",
        "到货时荔枝已经发黑变质。",
        "Lychees spoiled",
        "The lychees were black and spoiled on arrival.",
    ),
    "strap_missing": (
        "缺少肩带",
        "背包少了一条肩带。",
        "Strap missing",
        "One shoulder strap of the backpack is missing.",
    ),
    "tee_missing": (
        "少发一件",
        "订单两件T恤只收到一件。",
        "One T-shirt missing",
        "I ordered two T-shirts and got one.",
    ),
    "kettle_lid_missing": (
        "缺少滤网",
        "水壶滤网缺失。",
        "Kettle filter missing",
        "The limescale filter of the kettle is missing.",
    ),
    "late": (
        "快递太慢",
        "承诺三天到，结果一周才到。",
        "Late delivery",
        "Promised in three days, it took a week.",
    ),
    "courier": (
        "快递员态度差",
        "快递员没打电话就把包裹放在门口。",
        "Courier left parcel outside",
        "The courier left the parcel at the door without calling.",
    ),
    "no_callback": (
        "客服没回电",
        "说好回电，两天都没有消息。",
        "No call back",
        "I was promised a call back two days ago.",
    ),
    "duplicate": (
        "重复投诉",
        "同一问题已经提交过。",
        "Duplicate complaint",
        "Same problem as my earlier complaint.",
    ),
    "when_ship": (
        "什么时候发货",
        "下单一天了还没发货，请问什么时候发？",
        "When will it ship?",
        "Ordered yesterday, when will it ship?",
    ),
    "when_arrive": ("什么时候到", "物流一直没更新。", "When will it arrive?", "Tracking has not moved."),
    "warranty_question": (
        "保修政策咨询",
        "手机保修多久？需要发票吗？",
        "Warranty question",
        "How long is the phone warranty, and do I need the invoice?",
    ),
    "invoice": ("开发票", "请帮忙开具增值税普通发票。", "Invoice", "Could you send me a VAT invoice?"),
    "ebook_download": (
        "电子书下载链接失效",
        "下载链接打不开。",
        "E-book link broken",
        "The download link does not open.",
    ),
    "spam": ("推广信息", "低价代购，加微信。", "Promotion", "Cheap followers, click here."),
    "lychee_changed_mind": ("荔枝不想要了", "买多了，想退一盒。", "Too many lychees", "I bought too many."),
    "ebook_opened": (
        "电子书想退",
        "已经下载阅读了一部分，不想要了。",
        "Return an e-book",
        "I read a bit and do not want it.",
    ),
    "brush_opened": ("刷头不想要了", "拆开用了一支，不喜欢。", "Brush heads", "Opened and tried one, not for me."),
    "vip_late_return": (
        "VIP 退货",
        "到货第十天，想退货。",
        "VIP return",
        "Day ten after delivery, I want to return it.",
    ),
    "late_return": (
        "超期退货",
        "收货九天了，想退货。",
        "Late return",
        "Nine days after delivery, I want to return it.",
    ),
}

# Notes an agent writes on each step, in the customer's language.
STEP_NOTES = {
    "approve": ("已审核通过，请按退货说明寄回。", "Approved: please send it back as described in the instructions."),
    "reject": ("很抱歉，此申请不符合售后政策。", "Sorry, this request is outside our after-sales policy."),
    "cancel": ("客户撤回了申请。", "The customer withdrew the request."),
    "start": ("已受理，正在核实。", "We are looking into it."),
    "wait_for_customer": ("请补充订单截图和照片。", "Please send a screenshot of the order and photos."),
    "resume": ("客户已补充资料。", "The customer sent the details."),
    "ship_return": ("客户已寄回。", "The customer shipped it back."),
    "receive": ("仓库已签收。", "Received at the warehouse."),
    "inspect": ("质检完成。", "Inspection done."),
    "resolve": ("已处理完毕，感谢您的耐心。", "Done. Thank you for your patience."),
    "reopen": ("客户反馈问题仍未解决，重新处理。", "The customer says the problem is back; reopened."),
    "close": ("结案。", "Closed."),
}

REJECT_REASONS: dict[str, tuple[str, str]] = {
    CaseKind.COMPLAINT: ("与之前的投诉重复，已合并处理。", "Duplicate of an earlier complaint; handled there."),
    CaseKind.INQUIRY: ("垃圾信息，不予处理。", "Spam; not handled."),
}
DEFAULT_REJECT_REASON = (
    "经核实不符合售后政策，如有疑问请联系客服。",
    "Outside the after-sales policy after review; contact us with any question.",
)

RESOLUTIONS: dict[str, str] = {
    CaseKind.RETURN: ResolutionType.RETURN_AND_REFUND,
    CaseKind.EXCHANGE: ResolutionType.EXCHANGE,
    CaseKind.REPAIR: ResolutionType.REPAIR,
    CaseKind.REFUND_ONLY: ResolutionType.REFUND,
    CaseKind.COMPLAINT: ResolutionType.GOODWILL_COUPON,
    CaseKind.INQUIRY: ResolutionType.ANSWERED,
}

CARRIERS = ("SF", "ZTO", "YTO", "JD", "EMS")

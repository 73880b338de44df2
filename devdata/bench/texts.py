"""What the synthetic customers and agents are called and wrote, in Chinese and English (data, so not
translated here): names, addresses, subjects, reasons, replies, rejections, survey comments.
Each text is a (Chinese, English) pair, chosen by the customer's language."""

from __future__ import annotations

import json

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红玲芬燕彬鑫波宇浩凯俊帆宁欣怡佳琪晨阳雪婷"
FIRST_NAMES = ("Emma", "Liam", "Olivia", "Noah", "Ava", "Lucas", "Mia", "Ethan", "Sophia", "Leo", "Grace", "Jack")
LAST_NAMES = ("Smith", "Brown", "Taylor", "Wilson", "Martin", "Lee", "Walker", "Hall", "Young", "King", "Wright")
CITIES = (
    "上海市浦东新区张江路",
    "北京市朝阳区建国路",
    "广州市天河区体育西路",
    "深圳市南山区科技园路",
    "杭州市西湖区文三路",
    "成都市武侯区人民南路",
    "南京市鼓楼区中山路",
    "武汉市洪山区珞喻路",
    "西安市雁塔区长安南路",
    "重庆市渝中区解放碑路",
)

SUBJECTS = {
    "return": ("退货退款：{}", "Return: {}"),
    "exchange": ("换货：{}", "Exchange: {}"),
    "repair": ("维修：{}", "Repair: {}"),
    "refund_only": ("仅退款：{}", "Refund only: {}"),
    "complaint": ("投诉：{}", "Complaint: {}"),
    "inquiry": ("咨询：{}", "Question: {}"),
}
REASON_TEXTS = {
    "no_reason": ("不想要了，七天无理由退货。", "Changed my mind."),
    "wrong_size": ("尺码不合适，偏小。", "The size does not fit."),
    "not_as_described": ("和描述的不一样，颜色有色差。", "Not what the page showed."),
    "damaged": ("收到时外包装破损，商品损坏。", "It arrived damaged."),
    "defective": ("用了两天就坏了，质量有问题。", "It stopped working after two days."),
    "wrong_item": ("发错货了。", "I received the wrong item."),
    "missing_item": ("少发了一件。", "One item was missing from the parcel."),
    "late_delivery": ("快递一直没到。", "The parcel is late."),
    "service": ("客服态度不好，一直没人处理。", "Nobody answered my messages."),
    "other": ("想问一下商品怎么使用。", "A question about the product."),
}
REPLIES_OUT = (  # short: every word goes into the trigram index of the timeline's search
    ("您好，已收到，正在处理。", "Received, we are on it."),
    ("请按地址寄回并填写单号。", "Please send it back and add the tracking number."),
    ("已为您核实，请稍候。", "Checked, please bear with us."),
    ("已处理好，有问题随时联系。", "Done; write any time."),
)
REPLIES_IN = (
    ("请问什么时候能处理好？", "When will this be done?"),
    ("好的，已经寄出了。", "OK, I have sent it."),
    ("还是没有收到退款。", "I still have not received the refund."),
    ("谢谢，照片已上传。", "Thanks, I uploaded the photos."),
)
_REJECTION_TEXTS = (
    ("商品已超过七天无理由退货期限。", "The 7-day no-reason return window has passed."),
    ("该商品属于个人卫生用品，拆封后不支持退货。", "Opened hygiene products cannot be returned."),
    ("未能提供商品损坏的照片。", "No photos of the damage were provided."),
)
COMMENTS_GOOD = (("处理很快，谢谢！", "Quick and friendly, thank you!"), ("客服很耐心。", "Very patient agent."))
COMMENTS_MEH = (("还行，就是有点慢。", "OK, but a bit slow."), ("退款到账有点晚。", "The refund took a while."))
COMMENTS_BAD = (
    ("太差了，等了好几天都没人管，我要投诉。", "Terrible service, nobody cared for days. Unacceptable."),
    ("退款拖了很久，太差了。", "The refund took forever, awful."),
)


# A rejection's text for the customer, and the transition's data with it.
REJECTIONS: tuple[tuple[tuple[str, str], ...], ...] = tuple(
    tuple((text, json.dumps({"reason": text}, ensure_ascii=False)) for text in texts) for texts in _REJECTION_TEXTS
)

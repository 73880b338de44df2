"""The carriers customers and the warehouse use, with the shape of their tracking numbers."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy

# Carriers a customer can pick, with the shape of their tracking numbers.
CARRIERS = {
    "SF": (gettext_lazy("SF Express 顺丰"), re.compile(r"^SF\d{12,13}$")),
    "JD": (gettext_lazy("JD Logistics 京东"), re.compile(r"^JD[A-Z0-9]{11,13}$")),
    "ZTO": (gettext_lazy("ZTO Express 中通"), re.compile(r"^7\d{11,14}$")),
    "YTO": (gettext_lazy("YTO Express 圆通"), re.compile(r"^YT\d{13,15}$")),
    "EMS": (gettext_lazy("China Post EMS"), re.compile(r"^[A-Z]{2}\d{9}CN$|^1\d{12}$")),
    "DHL": (gettext_lazy("DHL"), re.compile(r"^\d{10}$")),
    "UPS": (gettext_lazy("UPS"), re.compile(r"^1Z[0-9A-Z]{16}$")),
}


def normal_tracking(number: str) -> str:
    return re.sub(r"\s", "", number or "").upper()


def tracking_matches(carrier: str, number: str) -> bool:
    return carrier in CARRIERS and bool(CARRIERS[carrier][1].match(normal_tracking(number)))

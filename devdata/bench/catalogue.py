"""The synthetic catalogue: 300 products in ten categories, each with one variant, a price, how readily
its goods come back, and how popular it is (a few best sellers, a long tail). Written through the ORM
(a few hundred rows); products of an earlier run are used again."""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass

from cases.models import Product, ProductFlag, ProductVariant
from devdata.bench.mixes import cumulative

# code, product nouns, price range (CNY), how often its goods come back (relative)
CATEGORIES = (
    ("apparel", ("T-shirt", "Hoodie", "Jeans", "Dress", "Jacket", "Sweater"), (59, 399), 1.0),
    ("shoes", ("Running shoes", "Sneakers", "Boots", "Sandals"), (129, 699), 0.9),
    ("bags", ("Backpack", "Tote bag", "Wallet", "Suitcase"), (79, 899), 0.6),
    ("electronics", ("Earbuds", "Power bank", "Smart watch", "Speaker", "Charger"), (39, 1999), 0.5),
    ("home", ("Bedsheet set", "Pillow", "Desk lamp", "Storage box", "Curtain"), (29, 499), 0.4),
    ("kitchen", ("Rice cooker", "Kettle", "Knife set", "Frying pan", "Blender"), (49, 899), 0.4),
    ("beauty", ("Face cream", "Lipstick", "Shampoo", "Sunscreen", "Perfume"), (29, 599), 0.3),
    ("toys", ("Building blocks", "Plush toy", "RC car", "Puzzle"), (29, 399), 0.4),
    ("sports", ("Yoga mat", "Dumbbells", "Cycling jersey", "Tennis racket"), (39, 899), 0.5),
    ("baby", ("Baby bottle", "Stroller", "Baby carrier", "Play mat"), (39, 1299), 0.4),
)
REPAIRABLE = frozenset({"electronics", "home", "kitchen", "toys", "sports", "baby"})
PRODUCTS_PER_CATEGORY = 30
SUPPLIERS = (
    "Hangzhou Textile Co.",
    "Guangzhou Apparel Ltd.",
    "Quanzhou Footwear Co.",
    "Shenzhen Smart Devices",
    "Dongguan Electronics",
    "Ningbo Home Goods",
    "Foshan Kitchenware",
    "Yiwu Trading Co.",
    "Shanghai Beauty Labs",
    "Shantou Toys Factory",
    "Xiamen Sports Gear",
    "Suzhou Baby Care",
    "Wenzhou Leather Works",
    "Qingdao Household",
    "Chengdu Outdoor Co.",
)


@dataclass
class Catalogue:
    """Per product index: ids, texts, price in cents, how readily it comes back; ``popular`` a mix."""

    p_id: list[int]
    p_variant: list[int]
    p_sku: list[str]
    p_name: list[str]
    p_category: list[str]
    p_price: list[int]
    p_propensity: list[float]
    p_popular: tuple[tuple, list[float]]


def _products() -> list[Product]:
    products = []
    for c, (code, nouns, _prices, _rate) in enumerate(CATEGORIES):
        for k in range(PRODUCTS_PER_CATEGORY):
            noun = nouns[k % len(nouns)]
            flags = [ProductFlag.HYGIENE.value] if code == "beauty" and k % 3 == 0 else []
            products.append(
                Product(
                    sku=f"BX-{code[:3].upper()}-{c * 100 + k + 1:04d}",
                    name=f"{noun} {chr(65 + k % 26)}{100 + k * 7 % 900}",
                    category=code,
                    supplier=SUPPLIERS[(c * 3 + k % 3) % len(SUPPLIERS)],
                    flags=flags,
                )
            )
    return products


def make_catalogue(rng: random.Random, rows: Counter) -> Catalogue:
    """Write the products and variants that are missing; draw their prices, return rates, popularity."""
    r = rng.random
    products = _products()
    # Products of an earlier run (whose cases were deleted) are used again.
    known = {p.sku: p for p in Product.objects.filter(sku__in=[p.sku for p in products])}
    made = Product.objects.bulk_create([p for p in products if p.sku not in known])
    products = [known.get(p.sku, p) for p in products]
    known_variants = {v.sku: v for v in ProductVariant.objects.filter(product__in=products)}
    wanted = [ProductVariant(product=p, sku=f"{p.sku}-STD", name="Standard") for p in products]
    variants = ProductVariant.objects.bulk_create([v for v in wanted if v.sku not in known_variants])
    rows[Product._meta.db_table] += len(made)
    rows[ProductVariant._meta.db_table] += len(variants)
    variants = [known_variants.get(v.sku, v) for v in wanted]
    prices = {code: prices for code, _nouns, prices, _rate in CATEGORIES}
    rates = {code: rate for code, _nouns, _prices, rate in CATEGORIES}
    price_cents: list[int] = []
    propensity: list[float] = []  # how readily it comes back
    for p in products:
        low, high = prices[p.category]
        price = low * math.exp(r() * math.log(high / low))
        price_cents.append(int(price) * 100 + 90 if price > 100 else int(price) * 100 + 9)
        propensity.append(rates[p.category] * (0.35 + 0.65 * r()))
    # Popularity: a few best sellers, a long tail.
    order = list(range(len(products)))
    rng.shuffle(order)
    weights = [0.0] * len(products)
    for rank, i in enumerate(order):
        weights[i] = 1.0 / (rank + 8)
    return Catalogue(
        p_id=[p.pk for p in products],
        p_variant=[v.pk for v in variants],
        p_sku=[p.sku for p in products],
        p_name=[p.name for p in products],
        p_category=[p.category for p in products],
        p_price=price_cents,
        p_propensity=propensity,
        p_popular=cumulative(dict(enumerate(weights))),
    )

"""Demo data for a first look (``manage.py seed_demo``): teams, customers in Chinese and English, a
catalogue, orders, and cases in every kind and status made through the real services.

- ``catalogue``: teams, customers, products, orders (data);
- ``specs``: the cases, each with the status it should end in (data);
- ``texts``: what customers and agents wrote, in Chinese and English (data);
- ``users``: the demo users and their passwords, and the lines ``seed_demo`` ends with;
- ``seeder``: ``seed``, which writes it all through ``cases.services``.
"""

from devdata.demo.seeder import SeedReport, demo_data_present, seed
from devdata.demo.users import base_url, login_hints, settings_allow_default_passwords

__all__ = ["SeedReport", "base_url", "demo_data_present", "login_hints", "seed", "settings_allow_default_passwords"]

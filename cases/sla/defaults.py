"""The default SLA policies and calendars of DESIGN.md §4, installed once as data a manager edits.

Urgent complaints are answered within 1 hour (by their severity, not their priority: see
``SlaPolicy``), live chat within 5 minutes (counted in the customer-service hours), normal
complaints and everything else within 24 hours; resolution within 3 days, round the clock, paused
while the case waits on the customer. Complaints go to the complaint team (``COMPLAINT_TEAM``,
``COMPLAINT_ROUTING``), installed here and, on a database that already had its defaults, by the
migration ``cases.0021_complaint_sla_and_routing``. The warehouse clocks (inspect, refund) count
warehouse working time, Monday to Friday 09:00-18:00; load its public holidays with
``manage.py load_holidays --calendar warehouse --country CN --years 2026``.

Installed after ``migrate`` when the service settings row does not exist yet (a new database, or
one a test flushed); once it exists, managers' edits and deletions are left alone.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction

from cases.models import WEEKDAYS, BusinessCalendar, RoutingRule, ServiceSettings, SlaPolicy, Team

EVERY_DAY = {day: [["09:00", "21:00"]] for day in WEEKDAYS}
OFFICE = {day: ([["09:00", "18:00"]] if day not in ("sat", "sun") else []) for day in WEEKDAYS}
CALENDARS = [
    ("cs-hours", "Customer service hours (every day 09:00-21:00)", EVERY_DAY),
    ("warehouse", "Warehouse (Monday to Friday 09:00-18:00)", OFFICE),
]
POLICIES = [
    # name, position, what it matches, calendar, first response, next response, resolution (minutes)
    ("Urgent complaints", 10, {"kinds": ["complaint"], "severities": ["urgent"]}, None, 60, 60, 3 * 24 * 60),
    ("Live chat", 20, {"channels": ["chat"]}, "cs-hours", 5, 5, 3 * 24 * 60),
    ("Normal complaints", 30, {"kinds": ["complaint"], "severities": ["normal"]}, None, 24 * 60, 24 * 60, 3 * 24 * 60),
    ("Standard", 100, {}, None, 24 * 60, 24 * 60, 3 * 24 * 60),
]
# The complaint team (code, name) and the routing rule that sends it every complaint (name, position).
COMPLAINT_TEAM = ("complaints", "Complaint team")
COMPLAINT_ROUTING = ("Complaints to the complaint team", 10)


def install_complaint_routing(*, team_model: Any = Team, rule_model: Any = RoutingRule) -> None:
    """The complaint team (created if missing) and a rule routing complaints to it, unless a rule
    already sends complaints somewhere. The models are parameters so the data migration can pass its own."""
    code, name = COMPLAINT_TEAM
    team, _created = team_model.objects.get_or_create(code=code, defaults={"name": name})
    if any("complaint" in (rule.kinds or []) for rule in rule_model.objects.all()):
        return
    rule_name, position = COMPLAINT_ROUTING
    rule_model.objects.create(name=rule_name, position=position, kinds=["complaint"], team=team, method="least_loaded")


def install_defaults() -> bool:
    """Create the default calendars, policies and settings unless the settings row exists."""
    with transaction.atomic():
        if ServiceSettings.objects.exists():
            return False
        calendars: dict[str | None, BusinessCalendar] = {}
        for code, name, hours in CALENDARS:
            calendars[code], _ = BusinessCalendar.objects.get_or_create(
                code=code, defaults={"name": name, "hours": hours, "time_zone": settings.TIME_ZONE}
            )
        if not SlaPolicy.objects.exists():
            for name, position, match, calendar, first, nxt, resolution in POLICIES:
                SlaPolicy.objects.create(
                    name=name,
                    position=position,
                    calendar=calendars.get(calendar),
                    first_response_minutes=first,
                    next_response_minutes=nxt,
                    resolution_minutes=resolution,
                    **match,
                )
        install_complaint_routing()
        ServiceSettings.objects.create(pk=1, warehouse_calendar=calendars["warehouse"])
    return True

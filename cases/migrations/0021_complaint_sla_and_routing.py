"""Complaints by severity on a database that already had its defaults (a new one gets them from
``cases.sla.defaults.install_defaults`` after ``migrate``):

- the shipped "Urgent complaints" SLA policy, still as shipped (urgent priority, complaints), now
  matches the severity instead; a "Normal complaints" policy (24 hours) is added beside it;
- the complaints classified so far by their priority: an urgent one is an urgent complaint;
- the complaint team and the rule that routes complaints to it, unless a rule already routes them.
"""

from django.db import migrations

from cases.sla.defaults import POLICIES, install_complaint_routing


def forwards(apps, schema_editor):
    SlaPolicy = apps.get_model("cases", "SlaPolicy")
    ServiceSettings = apps.get_model("cases", "ServiceSettings")
    Case = apps.get_model("cases", "Case")
    install_complaint_routing(
        team_model=apps.get_model("cases", "Team"), rule_model=apps.get_model("cases", "RoutingRule")
    )
    Case.objects.filter(kind="complaint", priority="urgent", complaint_severity__isnull=True).update(
        complaint_severity="urgent"
    )
    if not ServiceSettings.objects.exists():
        return  # a new database: install_defaults writes every policy after migrate
    SlaPolicy.objects.filter(priorities=["urgent"], kinds=["complaint"], severities=[]).update(
        priorities=[], severities=["urgent"]
    )
    for name, position, match, _calendar, first, following, resolution in POLICIES:
        if match.get("severities") == ["normal"] and not SlaPolicy.objects.filter(severities=["normal"]).exists():
            SlaPolicy.objects.create(
                name=name,
                position=position,
                first_response_minutes=first,
                next_response_minutes=following,
                resolution_minutes=resolution,
                **match,
            )


class Migration(migrations.Migration):
    dependencies = [("cases", "0020_complaint_classification")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

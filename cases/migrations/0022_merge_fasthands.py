# Joins the saved views and macros (0020_saved_views_and_macros) with the other 0020/0021 branches of issue 18.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0020_saved_views_and_macros"),
        ("cases", "0020_search_vector_bigrams"),
        ("cases", "0021_complaint_sla_and_routing"),
    ]

    operations = []

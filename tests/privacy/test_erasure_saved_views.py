"""Erasure and the queue's saved views (issue 18): a view whose search is the customer's name, email
or phone is personal data and goes with the customer; other views stay."""

from __future__ import annotations

import pytest

from cases.models import SavedView
from privacy import services
from tests.privacy.factories import EMAIL

pytestmark = pytest.mark.django_db


def test_erasure_deletes_the_saved_views_that_search_for_the_customer(rich, agent):
    naming = [
        SavedView.objects.create(owner=agent, name="By email", filters={"queue": "open", "q": EMAIL.upper()}),
        SavedView.objects.create(owner=agent, name="By name", filters={"queue": "open", "q": rich.customer.name}),
    ]
    kept = SavedView.objects.create(owner=agent, name="Urgent", filters={"queue": "open", "priority": "urgent"})
    other = SavedView.objects.create(owner=agent, name="Someone", filters={"queue": "open", "q": "someone else"})
    services.erase_customer(customer=rich.customer, actor=agent, reason="GDPR request #18")
    assert set(SavedView.objects.all()) == {kept, other}
    assert not SavedView.objects.filter(pk__in=[v.pk for v in naming]).exists()

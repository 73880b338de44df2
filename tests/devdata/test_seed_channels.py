import io

import pytest
from django.core.management import call_command

from channels_app.models import ChatWidget, EmailInbox, PhoneLine, SocialAccount


@pytest.mark.django_db
def test_seed_demo_channels_creates_one_of_each_and_is_idempotent():
    out = io.StringIO()
    call_command("seed_demo_channels", stdout=out)
    key = ChatWidget.objects.get(code="shop").key
    call_command("seed_demo_channels", stdout=io.StringIO())
    assert [m.objects.count() for m in (EmailInbox, ChatWidget, SocialAccount, PhoneLine)] == [1, 1, 1, 1]
    assert key in out.getvalue() and ChatWidget.objects.get(code="shop").key == key
    assert SocialAccount.objects.get().provider == "console"

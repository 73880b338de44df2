"""factory_boy factories for the people who sign in: users (django.contrib.auth's model, which the
accounts app signs in) with one of the project's roles."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core.roles import ensure_roles


class UserFactory(factory.django.DjangoModelFactory):
    """``UserFactory(role="agent")``: a user in the role's group; agents, managers and admins are
    staff, admins also superusers. Every user's password is ``correct horse battery staple``."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            groups = ensure_roles()
            self.groups.add(groups[extracted] if isinstance(extracted, str) else Group.objects.get(name=extracted))
            if extracted in ("agent", "manager", "admin"):
                self.is_staff = True
            if extracted == "admin":
                self.is_superuser = True
        if create:
            self.save()

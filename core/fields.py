"""Secrets as model fields: encrypted at rest (``core.crypto``), write-only in every form.

``EncryptedCharField`` stores the versioned ciphertext in a text column; Python code reads and
writes the plaintext (``inbox.imap_password``), so the HMAC checks and the IMAP/SMTP logins
decrypt on use and nothing else changes for them. ``max_length`` bounds the plaintext (the form
and ``full_clean``), not the column. Only ``isnull`` and the empty-string test work as lookups:
the ciphertext of a value differs each time it is written.

Its form field never sends a secret to a browser: the widget says "set" or "not set", offers an
empty field to replace the secret (blank keeps it) and, where the secret is ours (the model field
has a generator as its default), a box to generate a new one. A generated secret is recorded on
the instance (``generated_secrets``) so the admin (``core.secret_admin``) can show it once, on the
answer to the request that made it. ``rotate_all`` re-encrypts every such column with the first key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.apps import apps
from django.core import validators
from django.core.exceptions import FieldError, ValidationError
from django.db import models, transaction
from django.db.models.lookups import Lookup
from django.utils.translation import gettext_lazy as _

from core import crypto

if TYPE_CHECKING:
    from django.forms.utils import _DataT, _FilesT  # the stubs' names for a form's data and files

GENERATED_ATTRIBUTE = "_generated_secrets"


def generated_secrets(instance: models.Model) -> dict[str, str]:
    """The secrets generated for ``instance`` by its last form save: field name -> plaintext."""
    return getattr(instance, GENERATED_ATTRIBUTE, {})


@dataclass(frozen=True)
class SecretInputValue:
    """What the secret widget posts: a replacement typed in, and whether to generate a new one."""

    typed: str = ""
    generate: bool = False


class SecretInput(forms.Widget):
    """Status ("set" / "not set"), an empty password box, and a "generate" box where allowed.

    ``value`` is only ever a flag here (``SecretFormField.prepare_value``): the secret is not in
    the widget's context, so no template can print it."""

    template_name = "core/widgets/secret_input.html"

    def __init__(self, attrs: dict[str, Any] | None = None, *, can_generate: bool = False) -> None:
        super().__init__({"autocomplete": "new-password", **(attrs or {})})
        self.can_generate = can_generate

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, None, attrs)
        context["widget"].update(is_set=value is True, can_generate=self.can_generate, generate_name=f"{name}_generate")
        return context

    def format_value(self, value: Any) -> None:
        return None

    def value_from_datadict(self, data: _DataT, files: _FilesT, name: str) -> SecretInputValue:
        return SecretInputValue(typed=data.get(name) or "", generate=bool(data.get(f"{name}_generate")))

    def value_omitted_from_data(self, data: _DataT, files: _FilesT, name: str) -> bool:
        return False


class SecretFormField(forms.Field):
    widget = SecretInput

    def __init__(self, *, max_length: int | None = None, can_generate: bool = False, **kwargs: Any) -> None:
        kwargs.pop("empty_value", None)
        kwargs["required"] = False  # blank keeps the stored secret
        super().__init__(widget=SecretInput(can_generate=can_generate), **kwargs)
        self.max_length = max_length

    def prepare_value(self, value: Any) -> bool | None:
        """Only whether a secret is stored, never the secret."""
        if isinstance(value, SecretInputValue):
            return None
        return bool(value)

    def bound_data(self, data: Any, initial: Any) -> Any:
        return initial  # a typed secret is never sent back, not even with a form error

    def to_python(self, value: Any) -> SecretInputValue:
        if not isinstance(value, SecretInputValue):
            value = SecretInputValue(typed=value or "")
        if self.max_length is not None and len(value.typed) > self.max_length:
            raise ValidationError(_("At most %(max)d characters."), code="max_length", params={"max": self.max_length})
        if value.typed and value.generate:
            raise ValidationError(_("Either type a new secret or generate one, not both."), code="typed_and_generated")
        return cast(SecretInputValue, value)

    def has_changed(self, initial: Any, data: Any) -> bool:
        value = data if isinstance(data, SecretInputValue) else SecretInputValue()
        return bool(value.typed) or value.generate


class EncryptedCharField(models.TextField):  # type: ignore[type-arg]  # not subscriptable at run time
    """A secret string, encrypted at rest; ``max_length`` bounds the plaintext."""

    description = _("Secret (encrypted)")
    ALLOWED_LOOKUPS = ("isnull", "exact")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.validators.append(validators.MaxLengthValidator(self.max_length))

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None:
            return value
        return crypto.decrypt(value)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, SecretInputValue):
            return value.typed
        return super().to_python(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)

    def get_lookup(self, lookup_name: str) -> type[Lookup[Any]] | None:
        if lookup_name not in self.ALLOWED_LOOKUPS:
            raise FieldError(f"{self.name}: an encrypted field cannot be searched with '{lookup_name}'.")
        return super().get_lookup(lookup_name)

    @property
    def generator(self) -> Callable[[], str] | None:
        """The function that makes a new secret (a callable default): then the secret is ours."""
        return self.default if callable(self.default) else None

    def formfield(self, **kwargs: Any) -> forms.Field | None:
        kwargs.pop("widget", None)
        return models.Field.formfield(
            self,
            **{
                **kwargs,
                "form_class": SecretFormField,
                "max_length": self.max_length,
                "can_generate": self.generator is not None,
                "show_hidden_initial": False,
            },
        )

    def save_form_data(self, instance: models.Model, data: Any) -> None:
        """Blank keeps the stored secret; "generate" makes a new one and records it for the page
        that shows it once; on a new row a blank field keeps the generated default, recorded too."""
        if not isinstance(data, SecretInputValue):
            data = SecretInputValue(typed=data or "")
        generated = None
        if data.generate and self.generator is not None:
            generated = self.generator()
        elif data.typed:
            setattr(instance, self.attname, data.typed)
        elif instance._state.adding and self.generator is not None and getattr(instance, self.attname):
            generated = getattr(instance, self.attname)
        if generated is not None:
            setattr(instance, self.attname, generated)
            record = dict(generated_secrets(instance))
            record[self.name] = generated
            setattr(instance, GENERATED_ATTRIBUTE, record)


def encrypted_fields() -> list[tuple[type[models.Model], list[str]]]:
    """Every concrete model with encrypted columns, and their names."""
    found: list[tuple[type[models.Model], list[str]]] = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedCharField)]
        if names:
            found.append((model, names))
    return found


def reencrypt_rows(model: type[models.Model], names: list[str]) -> int:
    """Write every row's secrets again, each under a row lock: decrypted with any key, encrypted
    with the first (plaintext left from before encryption gets encrypted). Returns rows written."""
    written = 0
    for pk in model._default_manager.order_by("pk").values_list("pk", flat=True).iterator():
        with transaction.atomic():
            row = model._default_manager.select_for_update().filter(pk=pk).values(*names).first()
            if row is None:
                continue
            model._default_manager.filter(pk=pk).update(**row)
            written += 1
    return written


def decrypt_rows(model: type[models.Model], names: list[str]) -> int:
    """Write every row's secrets back as plaintext: the reverse of the migration that encrypted them."""
    written = 0
    for row in model._default_manager.order_by("pk").values("pk", *names).iterator():
        pk = row.pop("pk")
        plain = {name: models.Value(value, output_field=models.TextField()) for name, value in row.items()}
        model._default_manager.filter(pk=pk).update(**plain)
        written += 1
    return written


def rotate_all() -> dict[str, int]:
    """Re-encrypt every encrypted column with the first key of SECRET_ENCRYPTION_KEYS."""
    return {model._meta.label: reencrypt_rows(model, names) for model, names in encrypted_fields()}

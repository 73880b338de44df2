"""The registry of personal data: every model field that can hold a customer's personal data, and
what erasure does with it (GDPR art. 17, PIPL art. 47).

Each app registers its own models from its ``AppConfig.ready()``; ``privacy.services.erase_customer``
walks the registry, so a new model with personal data is one ``register`` call away from being
erased. Fields that hold no personal data are declared too (``not_personal``), so that a test can
check that every text, JSON, email, file and binary field of every model is one or the other and a
new field cannot be forgotten.

How a registered field is erased (``How``):

- ``BLANK``: emptied ("" for text, ``None`` for a nullable field or a foreign key, the field's
  default for JSON);
- ``MASK``: replaced by ``value`` (a constant, or a callable of the row for a value per row);
- ``KEEP_KEYS``: JSON; only the top-level ``keys`` named stay, every other key is dropped (so a
  key added later is wiped by default);
- ``REDACT_KEYS``: JSON; the values at the dotted paths ``keys`` are replaced by ``ERASED``;
- ``DELETE``: the rows are deleted (with the files of their file fields, after the commit);
- ``KEEP``: kept because a law requires it; ``reason`` says which.

Which rows belong to the customer is the model's ``rows``: a callable of the ``Subject`` (the
customer being erased) returning a ``Q``. It may use ``subject.pks(OtherModel)``, the rows of
another registered model, and ``subject.addresses``, the customer's contact values, to find rows
stored without a link to the customer (an automatic mail, feedback left with an email address).
All rows are found before anything is changed.

The kernel imports no app of the project: models are passed in by the apps that own them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models

ERASED = "[erased]"  # stored data, not a text a person reads in the interface: not translated


class How(enum.StrEnum):
    BLANK = "blank"
    MASK = "mask"
    KEEP_KEYS = "keep_keys"
    REDACT_KEYS = "redact_keys"
    DELETE = "delete"
    KEEP = "keep"


@dataclass(frozen=True)
class Entry:
    """One registration: these fields of this model are personal data, erased this way."""

    model: type[models.Model]
    fields: tuple[str, ...]
    how: How
    keys: tuple[str, ...] = ()
    value: Any = None
    reason: str = ""


@dataclass(frozen=True)
class NotPersonal:
    """A declaration: these fields hold no personal data of a customer, and why."""

    model: type[models.Model]
    fields: tuple[str, ...]
    reason: str


Rows = Callable[["Subject"], models.Q]

_entries: list[Entry] = []
_not_personal: list[NotPersonal] = []
_rows: dict[type[models.Model], Rows] = {}
_covered: dict[tuple[type[models.Model], str], str] = {}

# The field types that can hold text a person wrote or data about a person: what the completeness
# test checks (CharField covers EmailField, SlugField, URLField; FileField covers ImageField).
CHECKED_FIELD_TYPES = (
    models.CharField,
    models.TextField,
    models.JSONField,
    models.BinaryField,
    models.FileField,
    models.GenericIPAddressField,
)


def _check_fields(model: type[models.Model], fields: Iterable[str], what: str) -> tuple[str, ...]:
    names = tuple(fields)
    if not names:
        raise ImproperlyConfigured(f"personal_data: {model._meta.label} registered with no fields")
    for name in names:
        try:
            model._meta.get_field(name)
        except FieldDoesNotExist as exc:
            raise ImproperlyConfigured(f"personal_data: {model._meta.label} has no field {name!r}") from exc
        earlier = _covered.get((model, name))
        if earlier is not None:
            raise ImproperlyConfigured(
                f"personal_data: {model._meta.label}.{name} is already registered ({earlier}); register it once"
            )
    for name in names:
        _covered[(model, name)] = what
    return names


def register(
    model: type[models.Model],
    *,
    fields: Iterable[str],
    how: How | str,
    rows: Rows | None = None,
    keys: Iterable[str] = (),
    value: Any = None,
    reason: str = "",
) -> Entry:
    """Declare ``fields`` of ``model`` personal data, erased ``how``.

    ``rows`` (once per model, on any of its registrations) finds the customer's rows. ``KEEP``
    needs a ``reason``; ``KEEP_KEYS`` and ``REDACT_KEYS`` need ``keys``; ``MASK`` needs a ``value``."""
    how = How(how)
    keys = tuple(keys)
    if how is How.KEEP and not reason:
        raise ImproperlyConfigured(f"personal_data: keeping {model._meta.label} needs the law's reason")
    if how in (How.KEEP_KEYS, How.REDACT_KEYS) and not keys:
        raise ImproperlyConfigured(f"personal_data: {how} on {model._meta.label} needs keys")
    if how is How.MASK and value is None:
        raise ImproperlyConfigured(f"personal_data: mask on {model._meta.label} needs a value")
    if rows is not None:
        if model in _rows:
            raise ImproperlyConfigured(f"personal_data: the rows of {model._meta.label} are registered twice")
        _rows[model] = rows
    entry = Entry(model, _check_fields(model, fields, f"personal, {how}"), how, keys, value, reason)
    _entries.append(entry)
    return entry


def not_personal(model: type[models.Model], *, fields: Iterable[str], reason: str) -> NotPersonal:
    """Declare ``fields`` of ``model`` free of any customer's personal data (``reason``: why)."""
    if not reason:
        raise ImproperlyConfigured(f"personal_data: say why {model._meta.label} holds no personal data")
    declared = NotPersonal(model, _check_fields(model, fields, "not personal"), reason)
    _not_personal.append(declared)
    return declared


def entries() -> list[Entry]:
    """Every registration, in the order made."""
    missing = {e.model for e in _entries if e.how is not How.KEEP} - set(_rows)
    if missing:
        labels = ", ".join(sorted(m._meta.label for m in missing))
        raise ImproperlyConfigured(f"personal_data: no rows registered for {labels}")
    return list(_entries)


def declarations() -> list[NotPersonal]:
    return list(_not_personal)


def rows_of(model: type[models.Model]) -> Rows:
    return _rows[model]


def models_with_rows() -> list[type[models.Model]]:
    """The models whose rows of a customer the registry can find."""
    return list(_rows)


def is_covered(model: type[models.Model], name: str) -> bool:
    return (model, name) in _covered


def checked_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """The fields of ``model`` the registry must cover (proxies share their concrete model's)."""
    if model._meta.proxy:
        return []
    return [f for f in model._meta.concrete_fields if isinstance(f, CHECKED_FIELD_TYPES)]


@dataclass
class Subject:
    """The customer being erased: the row, their contact values (lowercased, every stored form),
    and the primary keys of their rows per model, found once before anything changes."""

    customer: models.Model
    addresses: frozenset[str] = frozenset()
    _pks: dict[type[models.Model], list[Any]] = field(default_factory=dict)
    _finding: set[type[models.Model]] = field(default_factory=set)

    def q_address(self, name: str) -> models.Q:
        """Rows whose field ``name`` is one of the customer's addresses (case-insensitive)."""
        q = models.Q(pk__in=[])
        for address in sorted(self.addresses):
            q |= models.Q(**{f"{name}__iexact": address})
        return q

    def pks(self, model: type[models.Model]) -> list[Any]:
        """The primary keys of the customer's rows of ``model`` (registered), found once."""
        if model not in self._pks:
            if model in self._finding:
                raise ImproperlyConfigured(f"personal_data: the rows of {model._meta.label} depend on themselves")
            self._finding.add(model)
            q = rows_of(model)(self)
            self._pks[model] = list(
                model._default_manager.filter(q).order_by("pk").values_list("pk", flat=True).distinct()
            )
            self._finding.discard(model)
        return self._pks[model]


# --- JSON helpers (the erasure of KEEP_KEYS and REDACT_KEYS) -----------------------------------------


def keep_keys(data: Any, keys: Iterable[str]) -> Any:
    """Only the top-level ``keys`` of a JSON object; anything that is no object becomes empty."""
    kept = set(keys)
    return {k: v for k, v in data.items() if k in kept} if isinstance(data, dict) else {}


def redact_keys(data: Any, paths: Iterable[str]) -> Any:
    """A copy of ``data`` with the value at each dotted path that exists replaced by ``ERASED``."""
    if not isinstance(data, dict):
        return data
    out = _copy(data)
    for path in paths:
        *parents, last = path.split(".")
        node = out
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and node.get(last) not in (None, ""):
            node[last] = ERASED
    return out


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def blank_value(f: models.Field[Any, Any]) -> Any:
    """What ``BLANK`` writes into the field ``f``."""
    if isinstance(f, models.JSONField):
        return f.get_default() if f.has_default() else ({} if not f.null else None)
    if f.null:
        return None
    if isinstance(f, models.BinaryField):
        return b""
    return ""

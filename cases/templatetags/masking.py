"""Template filters for the masks of ``cases.masking``: ``{% load masking %}{{ x|mask_phone }}``."""

from __future__ import annotations

from django import template

from cases import masking as privacy

register = template.Library()

register.filter("mask_phone", privacy.mask_phone)
register.filter("mask_email", privacy.mask_email)
register.filter("mask_address", privacy.mask_address)
register.filter("mask_contact", privacy.mask_contact)

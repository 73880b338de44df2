"""The desk shell's template tags: ``{% load desk_shell %}{% desk_menu %}`` renders the menu entries
the apps registered (``core.desk``) that the signed-in user may see."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.context import Context

from core.desk import menu_for

register = template.Library()


@register.inclusion_tag("core/desk_menu.html", takes_context=True)
def desk_menu(context: Context) -> dict[str, Any]:
    return {"entries": menu_for(context.get("user"))}

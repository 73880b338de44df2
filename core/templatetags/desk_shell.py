"""The desk shell's template tags: ``{% load desk_shell %}{% desk_menu %}`` renders the menu entries
the apps registered (``core.desk``) that the signed-in user may see."""

from __future__ import annotations

from django import template

from core.desk import menu_for

register = template.Library()


@register.inclusion_tag("core/desk_menu.html", takes_context=True)
def desk_menu(context) -> dict:
    return {"entries": menu_for(context.get("user"))}

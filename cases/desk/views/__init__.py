"""Server-rendered pages of the cases app: the landing page and the agents' workbench (/desk/).

Thin views: reads through ``cases.selectors``, writes through ``cases.services``, the pages' context
from ``cases.desk.presenters``. Who: signed-in staff holding the desk permissions (view_case and
view_caseevent: agents, managers, admins); anyone else signed in gets 403, anonymous visitors go to
the sign-in page. Every form works without JavaScript; a step or an edit on a case that changed
meanwhile re-renders the case with a message and keeps the text the agent was typing.

- ``queue_page``: the landing page and the queue;
- ``case_page``: the case page (``render_case``, registered by this dotted path in ``cases.apps``),
  showing the contact on request, and ``after_write``, how every write on a case answers;
- ``actions``: the write actions on a case; ``approval_actions``: asking for an approval, deciding it;
- ``attachments``: the warehouse's photos and serving an attachment;
- ``conversion``: the "convert or reclassify" page, converting a case and reclassifying it;
- ``opening``: the "New case" page; ``splitting``: a message split out into a new case;
- ``macros``: a macro applied to the case from its page (the queue's bulk actions: ``queue_tools``).

The names below are the ones ``cases.desk.urls`` (and ``cases.apps``) use.
"""

from cases.desk.views.actions import (
    assign,
    classify,
    cost,
    disposition,
    link,
    message,
    replacement,
    step,
    tags,
)
from cases.desk.views.approval_actions import ask_approval, decide
from cases.desk.views.attachments import photo, warehouse_photos
from cases.desk.views.case_page import case_view, render_case, reveal_contact
from cases.desk.views.conversion import convert, convert_page, reclassify
from cases.desk.views.macros import apply_macro
from cases.desk.views.opening import new_case
from cases.desk.views.queue_page import home, queue
from cases.desk.views.splitting import split

__all__ = [
    "apply_macro",
    "ask_approval",
    "assign",
    "case_view",
    "classify",
    "convert",
    "convert_page",
    "cost",
    "decide",
    "disposition",
    "home",
    "link",
    "message",
    "new_case",
    "photo",
    "queue",
    "reclassify",
    "render_case",
    "replacement",
    "reveal_contact",
    "split",
    "step",
    "tags",
    "warehouse_photos",
]

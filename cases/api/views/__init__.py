"""The API's views: parse the request, call one service or selector, render the answer.

One module per resource: ``orders``, ``cases`` (list, open, detail), ``transitions``, ``messages``, ``complaints``,
``refunds``, ``notifications``, ``revisits``; ``common`` holds the schema's shared parameters and
error answers and finding a case the user may see (a 404 otherwise).

Who may call what (the roles are the groups of core/roles.py; anonymous is 401, a signed-in user
without the permissions 403):

========================================  =============================================
endpoint                                  who
========================================  =============================================
GET  /orders/{number}/                    view_order: integration, agent, manager, admin
                                          (phone, email, address masked but for
                                          integration and superusers: cases.masking)
PUT  /orders/{number}/                    add/change order and customer: integration, admin
GET  /cases/                              view_case + view_caseevent: agent, manager, admin
POST /cases/                              add_case: agent, manager, integration, admin
GET  /cases/{number}/                     view_case + view_caseevent: agent, manager, admin
GET  /cases/{number}/transitions/         view_case + view_caseevent: agent, manager, admin
POST /cases/{number}/transitions/{name}/  view_case, then the step's own permission
                                          (work/decide/reopen): agent, manager, admin; the
                                          integration role holds none of them, so it gets 403
POST /cases/{number}/messages/            view_case, then work_case (the service): agent, manager, admin
POST /cases/{number}/convert/             view_case + work_case: agent, manager, admin
POST /cases/{number}/reclassify/          view_case + work_case: agent, manager, admin
POST /cases/{number}/split/               view_case + work_case: agent, manager, admin (a message
                                          into a new case)
POST /cases/{number}/merge/               view_case + work_case: agent, manager, admin
POST /cases/{number}/classify/            view_case + change_case: agent, manager, admin (a complaint's
                                          category and severity)
GET  /cases/{number}/refunds/             view_case + view_refund: agent, manager, admin, integration
POST /refunds/{id}/outcome/               view_refund + settle_refund: integration, manager, admin
GET  /notifications/                      view_notification (own only): agent, manager, admin
POST /notifications/{id}/read/            view_notification; someone else's is a 404
GET  /revisits/                           view_revisittask: agent, manager, admin
POST /revisits/{id}/complete/             view + change_revisittask: agent, manager, admin
========================================  =============================================
"""

from cases.api.views.cases import CaseDetailView, CaseListView
from cases.api.views.complaints import CaseClassifyView
from cases.api.views.conversion import CaseConvertView, CaseReclassifyView
from cases.api.views.messages import CaseMessageView
from cases.api.views.notifications import NotificationListView, NotificationReadView
from cases.api.views.orders import OrderView
from cases.api.views.refunds import CaseRefundListView, RefundOutcomeView
from cases.api.views.revisits import RevisitCompleteView, RevisitListView
from cases.api.views.splitting import CaseMergeView, CaseSplitView
from cases.api.views.transitions import CaseTransitionListView, CaseTransitionView

__all__ = [
    "CaseClassifyView",
    "CaseConvertView",
    "CaseDetailView",
    "CaseListView",
    "CaseMergeView",
    "CaseMessageView",
    "CaseReclassifyView",
    "CaseRefundListView",
    "CaseSplitView",
    "CaseTransitionListView",
    "CaseTransitionView",
    "NotificationListView",
    "NotificationReadView",
    "OrderView",
    "RefundOutcomeView",
    "RevisitCompleteView",
    "RevisitListView",
]

"""Marking what the analytics refresh must recompute, in the transaction of each change.

Connected in ``AnalyticsConfig.ready``. Each receiver only writes a marker row; the work is done by
``analytics.rollups.refresh`` on Celery, so a case change costs one extra upsert.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from analytics import kpis, rollups
from analytics.models import CaseFact, KpiTarget
from cases.signals import case_event_recorded
from feedback.models import SurveyInvitation, SurveyResponse


def on_case_event(sender, *, case, event, **kwargs) -> None:
    rollups.mark_cases([case.pk])


def on_answer_saved(sender, instance, **kwargs) -> None:
    rollups.mark_days([rollups.local_day(instance.answered_at)] if instance.answered_at else [])


def on_invitation_saved(sender, instance, **kwargs) -> None:
    rollups.mark_days([rollups.local_day(instance.sent_at)] if instance.sent_at else [])


def on_fact_deleted(sender, instance, **kwargs) -> None:
    rollups.mark_days([getattr(instance, column) for column in rollups.DAY_COLUMNS])


def on_target_changed(sender, instance, **kwargs) -> None:
    kpis.targets_changed()


def connect() -> None:
    case_event_recorded.connect(on_case_event, dispatch_uid="analytics.case_event")
    post_save.connect(on_answer_saved, sender=SurveyResponse, dispatch_uid="analytics.answer_saved")
    post_delete.connect(on_answer_saved, sender=SurveyResponse, dispatch_uid="analytics.answer_deleted")
    post_save.connect(on_invitation_saved, sender=SurveyInvitation, dispatch_uid="analytics.invitation_saved")
    post_delete.connect(on_fact_deleted, sender=CaseFact, dispatch_uid="analytics.fact_deleted")
    post_save.connect(on_target_changed, sender=KpiTarget, dispatch_uid="analytics.target_saved")
    post_delete.connect(on_target_changed, sender=KpiTarget, dispatch_uid="analytics.target_deleted")

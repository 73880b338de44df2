"""Teams, tags, canned replies, routing rules, agents' profiles and help articles."""

from __future__ import annotations

from django.contrib import admin

from cases.models import (
    AgentProfile,
    Article,
    CannedReply,
    RoutingRule,
    Tag,
    Team,
)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "lead"]
    search_fields = ["name", "code"]
    filter_horizontal = ["members"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ["position", "title", "active"]
    list_display_links = ["title"]
    list_editable = ["position", "active"]
    search_fields = ["title", "body_en", "body_zh"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["position", "name", "active", "kinds", "channels", "tiers", "team", "method", "skill"]
    list_display_links = ["name"]
    list_editable = ["position", "active"]
    list_select_related = ["team"]


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "available", "skills"]
    list_editable = ["available"]
    list_select_related = ["user"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title_en", "title_zh", "category", "active", "updated_at"]
    list_filter = ["category", "active"]
    search_fields = ["title_en", "title_zh", "body_en", "body_zh"]

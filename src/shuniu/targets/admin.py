from django.contrib import admin

from shuniu.targets.models import PolicyDocument, PublishedFigure, Target


@admin.register(PolicyDocument)
class PolicyDocumentAdmin(admin.ModelAdmin[PolicyDocument]):
    list_display = ["title", "issuer", "number", "issued_on", "region"]
    search_fields = ["title", "issuer", "number"]
    raw_id_fields = ["region"]


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin[Target]):
    list_display = ["region", "metric", "kind", "value", "due_on", "document"]
    list_filter = ["metric"]
    raw_id_fields = ["region", "document"]


@admin.register(PublishedFigure)
class PublishedFigureAdmin(admin.ModelAdmin[PublishedFigure]):
    list_display = ["region", "metric", "kind", "qualifier", "value", "as_of", "source"]
    list_filter = ["metric", "region"]
    search_fields = ["source", "note"]
    raw_id_fields = ["region"]

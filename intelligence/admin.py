"""Reference lists an administrator keeps: crime types and retention classes.

Both are audited models: the audit safety net records every change made here.
"""

from django.contrib import admin

from intelligence.models import CrimeType, RetentionClass


@admin.register(CrimeType)
class CrimeTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(RetentionClass)
class RetentionClassAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "review_period_months", "is_default", "order"]
    list_editable = ["review_period_months", "is_default", "order"]
    ordering = ["order", "code"]

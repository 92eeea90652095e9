from __future__ import annotations

from django.contrib import admin

from analytics.models import DailyAggregate, GMReport, ReportSettings
from properties.tenant_admin import tenant_admin_site


@admin.register(DailyAggregate, site=tenant_admin_site)
class DailyAggregateAdmin(admin.ModelAdmin):
    list_display = [
        "date",
        "total_inquiries",
        "after_hours_inquiries",
        "leads_captured",
        "handoffs",
        "resolved_by_ai",
        "estimated_revenue_recovered",
        "computed_at",
    ]
    date_hierarchy = "date"
    readonly_fields = [f.name for f in DailyAggregate._meta.fields]


@admin.register(GMReport, site=tenant_admin_site)
class GMReportAdmin(admin.ModelAdmin):
    list_display = ["report_date", "recipient", "subject", "sent_at"]
    readonly_fields = ["report_date", "recipient", "subject", "text", "figures", "sent_at", "created_at"]
    exclude = ["html", "chart_png"]


@admin.register(ReportSettings, site=tenant_admin_site)
class ReportSettingsAdmin(admin.ModelAdmin):
    list_display = ["send_at", "enabled", "callback_list_size"]

from django.urls import path

from analytics import api, widget

urlpatterns = [
    path("properties/<int:property_id>/analytics", api.daily, name="analytics-daily"),
    path("properties/<int:property_id>/analytics/summary", api.period_summary, name="analytics-summary"),
    path("properties/<int:property_id>/reports", api.reports, name="analytics-reports"),
    path("widget/visits", widget.widget_visits, name="widget-visits"),  # the widget (public, keyed)
]

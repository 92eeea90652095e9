from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The staff pages of a property's host (no models): pages over the domain apps' services."""

    name = "dashboard"
    verbose_name = "Staff dashboard"

from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """An app only so that `manage.py seed_demo` is found; it has no models."""

    name = "devtools"
    verbose_name = "Developer tools"

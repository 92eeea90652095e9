import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nocturn.settings")

from core.telemetry import setup_tracing

setup_tracing("nocturn-web")  # before Django builds its middleware chain
application = get_wsgi_application()

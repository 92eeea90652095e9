"""Render a GM daily report of the demo hotel to a PNG with chromium (for docs/).

.venv/bin/python manage.py seed_demo --history-days 30
.venv/bin/python scripts/render_gm_report.py [docs/gm-report.png]
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nocturn.settings")


def main(out: Path) -> None:
    import django

    django.setup()
    from django_tenants.utils import schema_context

    from analytics.services.report import CHART_CONTENT_ID, build_report
    from properties.models import Property
    from testsupport.browser import CHROMIUM, CHROMIUM_FLAGS

    demo = Property.objects.get(slug="demo")
    with schema_context(demo.schema_name):
        report = build_report(demo.local_now().date() - dt.timedelta(days=1))
    chart = "data:image/png;base64," + base64.b64encode(bytes(report.chart_png)).decode()
    html = report.html.replace(f"cid:{CHART_CONTENT_ID}", chart)
    from playwright.sync_api import sync_playwright

    with tempfile.NamedTemporaryFile("w", suffix=".html", delete=False) as page_file:
        page_file.write(html)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 720, "height": 900})
        page.goto(f"file://{page_file.name}")
        page.screenshot(path=str(out), full_page=True)
        browser.close()
    os.unlink(page_file.name)
    print(f"{report.subject}\nwritten to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/gm-report.png"))

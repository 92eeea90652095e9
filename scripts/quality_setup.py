"""What the quality scripts share: Django on a throwaway test database, and one hotel on it.

from quality_setup import ROOT, setup_django, throwaway_hotel
setup_django("test_nocturn_xquality")       # before anything imports a model
with throwaway_hotel("xquality") as hotel:  # the database lives as long as the block
    ...
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from properties.models import Property

ROOT = Path(__file__).resolve().parent.parent
ALL_DAY = {d: [["00:00", "23:59"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def setup_django(default_database: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["NOCTURN_ENV"] = "test"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nocturn.settings")
    # Its own database name, so two checkouts can regenerate at once (QUALITY_DATABASE_NAME overrides).
    os.environ["TEST_DATABASE_NAME"] = os.environ.get("QUALITY_DATABASE_NAME", default_database)
    import django

    django.setup()


@contextmanager
def throwaway_hotel(slug: str, **fields: Any) -> Iterator[Property]:
    """A fresh test database holding one property open around the clock (replies carry no after-hours
    note); the database is dropped when the block ends, however it ends."""
    from django.db import connection

    from properties.services import NewProperty, create_property

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        property_ = create_property(NewProperty(name="Quality Hotel", slug=slug, **fields))
        property_.operating_hours = ALL_DAY
        property_.save(update_fields=["operating_hours"])
        yield property_
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

"""pytest plugin loaded before Django (`-p testsupport.plugin`): test mode and the real services.

It must run before pytest-django sets Django up, so that settings see NOCTURN_ENV=test and the
embedded PostgreSQL and Redis are already listening.
"""

from __future__ import annotations

import os

os.environ.setdefault("NOCTURN_ENV", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nocturn.settings")

from devtools import devstack

devstack.up()

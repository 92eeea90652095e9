"""Create pgvector's extension once, in `public`, before any tenant schema exists.

Created from a tenant migration it would land in the first tenant's schema (the search path's
first entry) and every later tenant would fail to find the `vector` type. `properties` is a
shared app, so django-tenants runs this migration in `public` only.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("properties", "0001_initial")]
    operations = [
        migrations.RunSQL(
            "CREATE EXTENSION IF NOT EXISTS vector SCHEMA public;",
            reverse_sql="DROP EXTENSION IF EXISTS vector;",
        )
    ]

"""DeadLetter moved to the `core` app: its rows are copied to core's table (ids kept), then this one goes.

A fresh database runs nocturn 0001, core 0001, then this (nothing to copy). An existing one has
rows in `nocturn_deadletter`: they are copied with their ids (log lines and admins refer to them)
and core's id sequence is moved past them. Reversible: the rows are copied back.
"""

from django.db import migrations

COLUMNS = (
    "id, task_name, task_id, schema_name, args, kwargs, error, traceback, retries, failed_at, replayed_at, "
    "replay_task_id"
)


def _copy(source: str, target: str):
    def run(apps, schema_editor):
        quote = schema_editor.quote_name
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {quote(target)} ({COLUMNS}) SELECT {COLUMNS} FROM {quote(source)}")
            # The ids were copied: the next letter must not collide with one of them.
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                f"COALESCE((SELECT max(id) FROM {quote(target)}), 0) + 1, false)",
                [target],
            )

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("nocturn", "0001_initial"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(
            _copy("nocturn_deadletter", "core_deadletter"), _copy("core_deadletter", "nocturn_deadletter")
        ),
        migrations.DeleteModel(name="DeadLetter"),
    ]

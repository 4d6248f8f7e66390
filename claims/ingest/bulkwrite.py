"""Fast inserts for the loader: COPY on PostgreSQL, executemany on SQLite.

Django's bulk_create builds and compiles SQL per batch, which caps a load at
about 15,000 rows/s here; the loader writes millions of already-validated
rows, so it streams tuples straight to the database instead. Callers run
inside the loader's transaction, so a failure still rolls everything back.
"""

import json

from django.db import connection, models
from django.utils import timezone


class RowWriter:
    """Insert tuples of values into one model's table, in the given field
    order; every other column gets its field's default."""

    def __init__(self, model, field_names):
        self.model = model
        given = [model._meta.get_field(name) for name in field_names]
        rest = [f for f in written_fields(model) if f not in given and not f.primary_key]
        self.defaults = [_default(f) for f in rest]
        self.fields = given + rest
        self.table = model._meta.db_table
        self.columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        # PostgreSQL's COPY adapts Python values itself, except JSON; SQLite
        # needs Django's adaptation for dates, datetimes (UTC, naive) and decimals.
        if connection.vendor == "postgresql":
            adapted = (models.JSONField,)
        else:
            adapted = (models.DateField, models.DecimalField, models.JSONField)
        self.adapters = [_adapter(f) if isinstance(f, adapted) else None for f in self.fields]

    def write(self, rows):
        rows = list(rows)
        if not rows:
            return 0
        if self.defaults:
            rows = [(*row, *self.defaults) for row in rows]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(
                    f"COPY {connection.ops.quote_name(self.table)} ({self.columns}) FROM STDIN"
                ) as copy:
                    for row in rows:
                        copy.write_row(self._adapt(row))
            else:
                placeholders = ", ".join(["%s"] * len(self.fields))
                cursor.executemany(
                    f"INSERT INTO {connection.ops.quote_name(self.table)} ({self.columns}) VALUES ({placeholders})",
                    [self._adapt(row) for row in rows],
                )
        return len(rows)

    def _adapt(self, row):
        return [
            value if adapt is None or value is None else adapt(value)
            for value, adapt in zip(row, self.adapters, strict=True)
        ]


def written_fields(model):
    """The columns a bulk insert writes: all but those the database maintains
    itself (IdArrayField, kept by triggers; its column default covers the row)."""
    return [f for f in model._meta.concrete_fields if not getattr(f, "maintained_by_database", False)]


def _default(field):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return timezone.now()
    if field.has_default():
        return field.get_default()
    return None if field.null else ""


def _adapter(field):
    if isinstance(field, models.JSONField):
        return _json
    return _memo(lambda value: field.get_db_prep_save(value, connection))


def _json(value):
    return json.dumps(value, ensure_ascii=False)


def _memo(adapt):
    """Adapt a value once when the same value repeats (a load stamps every row
    with the same time)."""
    last = [object(), None]

    def adapted(value):
        if value != last[0]:
            last[0], last[1] = value, adapt(value)
        return last[1]

    return adapted


def allocate_ids(model, count):
    """Reserve `count` primary keys for rows that will be inserted with explicit ids."""
    if count == 0:
        return []
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, count]
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the loader's transaction holds the write lock, so nobody else
        # can take these ids before the insert.
        # Never reuse the id of a deleted row (permalinks): AUTOINCREMENT keeps
        # the highest id ever used in sqlite_sequence.
        cursor.execute(
            f"SELECT COALESCE(MAX({connection.ops.quote_name(pk)}), 0) FROM {connection.ops.quote_name(table)}"
        )
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(highest, row[0] if row else 0) + 1
        return list(range(start, start + count))

"""IdArrayField: a set of ids stored in the row itself, and its lookups.

Claims carry copies of their company and topic ids (Claim.company_ids,
Claim.topic_ids) so that filtering a million claims by company and topic
reads the claim row instead of probing a link table per row. The link tables
stay the truth; database triggers keep the copies equal to them (migration
0005), so Django code only ever reads these columns.

PostgreSQL stores a bigint[] with a GIN index (and per-element statistics,
so the planner knows that a few companies are in most claims). SQLite has
no arrays: it stores the same literal as text, '{3,17,42}', and the lookups
match ',17,' inside it.
"""

from django.db import models
from django.db.models import Lookup

EMPTY = "{}"


def _literal(ids):
    return "{" + ",".join(str(int(i)) for i in sorted(set(ids))) + "}"


class IdArrayField(models.Field):
    """A sorted set of integer ids, in the row."""

    description = "A set of ids"
    # Bulk writers leave the column out (claims.ingest.bulkwrite.written_fields).
    maintained_by_database = True

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("editable", False)
        kwargs.setdefault("default", list)
        # A database default too: bulk writers (COPY) leave the column out.
        kwargs.setdefault("db_default", EMPTY)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        for key, value in (("editable", False), ("default", list), ("db_default", EMPTY)):
            if kwargs.get(key) == value:
                del kwargs[key]
        return name, path, args, kwargs

    def db_type(self, connection):
        return "bigint[]" if connection.vendor == "postgresql" else "text"

    def from_db_value(self, value, expression, connection):
        if value is None or isinstance(value, list):
            return value
        inner = value.strip("{}")
        return [int(part) for part in inner.split(",")] if inner else []

    def to_python(self, value):
        """A list from the column's literal ('{3,17}'), a JSON list ('[3, 17]'),
        or a list: what the database, a form or a serializer hands over."""
        if isinstance(value, str):
            if value.startswith("["):
                value = value.strip("[] ").replace(" ", "")
                return [int(part) for part in value.split(",")] if value else []
            return self.from_db_value(value, None, None)
        return value

    def value_to_string(self, obj):
        # dumpdata writes this and loaddata reads it back through to_python().
        return _literal(self.value_from_object(obj) or [])

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        if isinstance(value, str):
            value = self.to_python(value)
        ids = sorted({int(i) for i in value})
        return ids if connection.vendor == "postgresql" else _literal(ids)


class _IdSetLookup(Lookup):
    """column <op> a list of ids; prepared in Python, never from user text."""

    prepare_rhs = False
    pg_operator = None
    sqlite_joiner = None

    def ids(self):
        return sorted({int(i) for i in self.rhs})

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} {self.pg_operator} %s::bigint[]", [*lhs_params, self.ids()]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        ids = self.ids()
        if not ids:
            return ("1=1", []) if self.sqlite_joiner == " AND " else ("1=0", [])
        # ',' || '3,17,42' || ',' LIKE '%,17,%': the ids are integers, no escaping needed.
        wrapped = f"(',' || substr({lhs}, 2, length({lhs}) - 2) || ',')"
        parts = [f"{wrapped} LIKE '%%,{i},%%'" for i in ids]
        # The column appears twice in each part.
        return "(" + self.sqlite_joiner.join(parts) + ")", list(lhs_params) * 2 * len(parts)


@IdArrayField.register_lookup
class HasAll(_IdSetLookup):
    """Every one of the ids: company_ids__has_all=[3, 17]."""

    lookup_name = "has_all"
    pg_operator = "@>"
    sqlite_joiner = " AND "


@IdArrayField.register_lookup
class HasAny(_IdSetLookup):
    """At least one of the ids: topic_ids__has_any=[5, 6, 7]."""

    lookup_name = "has_any"
    pg_operator = "&&"
    sqlite_joiner = " OR "

"""Keyset ("cursor") pagination for lists that may hold a million rows.

A page is the next `per_page` rows after (or before) the last row seen, in a
total order that ends with the primary key: one range scan of an index,
however deep the page, where OFFSET would read and discard every earlier row.
The cursor in the URL is that row's sort values, opaque to users.

Totals are counted up to a cap, as Datasette does ("10,000+"), so no request
counts a whole table.
"""

import base64
import bisect
import datetime
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import F, Q

# Row-value comparison, "(a, b) < (x, y)", from Django's composite-key support:
# one condition an index on (a, b) can range-scan.
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan, TupleLookupMixin

# Above this many rows a list says "10,000+" instead of counting them all.
COUNT_CAP = 10_000


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True)
class SortKey:
    """One column of a total order; None sorts after every value (NULLS LAST)."""

    field: str
    descending: bool = False
    nullable: bool = False

    def order_by(self):
        expression = F(self.field)
        if self.descending:
            return expression.desc(nulls_last=True) if self.nullable else expression.desc()
        return expression.asc(nulls_last=True) if self.nullable else expression.asc()

    def after(self, value, reverse=False):
        """Q for rows strictly after value in this key's order (before it when reverse)."""
        descending, nulls_last = self.descending != reverse, not reverse
        if value is None:
            # Nulls sit at one end: nothing is after them, or every non-null is.
            return Q(pk__in=[]) if nulls_last else Q(**{f"{self.field}__isnull": False})
        q = Q(**{f"{self.field}__{'lt' if descending else 'gt'}": value})
        if self.nullable and nulls_last:
            q |= Q(**{f"{self.field}__isnull": True})
        return q

    def equal(self, value):
        return Q(**{f"{self.field}__isnull": True}) if value is None else Q(**{self.field: value})

    def value_of(self, row):
        if isinstance(row, dict):
            return row[self.field]
        for part in self.field.split("__"):
            row = getattr(row, part) if row is not None else None
        return row


@dataclass
class Page:
    rows: list
    next_cursor: str | None
    previous_cursor: str | None

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)

    @property
    def has_other_pages(self):
        return bool(self.next_cursor or self.previous_cursor)


def paginate(queryset, ordering, per_page, after=None, before=None):
    """The page of queryset (not yet ordered) after or before a cursor, in the
    total order given by a list of SortKey ending with a unique key. Raises
    InvalidCursor for a cursor this ordering did not make."""
    reverse = before is not None
    cursor = decode_cursor(before if reverse else after, ordering)
    queryset = queryset.order_by(*(key.order_by() for key in ordering))
    if reverse:
        queryset = queryset.reverse()
    try:
        rows = _rows_beyond(queryset, ordering, cursor, reverse, per_page + 1)
    except (ValidationError, ValueError, TypeError) as error:
        # Values of the wrong type for their field, e.g. a word for a date.
        raise InvalidCursor("This page link is damaged.") from error
    more = len(rows) > per_page
    rows = rows[:per_page]
    if reverse:
        rows.reverse()
    # Going back, the page we came from is still ahead; going forward, the
    # page we came from is still behind.
    has_next = True if reverse else more
    has_previous = more if reverse else cursor is not None
    return Page(
        rows=rows,
        next_cursor=encode_cursor(ordering, rows[-1]) if rows and has_next else None,
        previous_cursor=encode_cursor(ordering, rows[0]) if rows and has_previous else None,
    )


def paginate_list(rows, field, per_page, after=None, before=None):
    """paginate() over a list of tuples already sorted by their first item,
    distinct strings (e.g. a cached summary), with cursors of the same form."""
    ordering = [SortKey(field)]
    reverse = before is not None
    cursor = decode_cursor(before if reverse else after, ordering)
    keys = [row[0] for row in rows]
    if cursor is not None and not isinstance(cursor[0], str):
        raise InvalidCursor("This page link is damaged.")
    if reverse:
        end = bisect.bisect_left(keys, cursor[0])
        start = max(0, end - per_page)
        page = rows[start:end]
        has_next, has_previous = True, start > 0
    else:
        start = 0 if cursor is None else bisect.bisect_right(keys, cursor[0])
        page = rows[start : start + per_page]
        has_next, has_previous = start + per_page < len(rows), cursor is not None
    return Page(
        rows=page,
        next_cursor=encode_cursor(ordering, {field: page[-1][0]}) if page and has_next else None,
        previous_cursor=encode_cursor(ordering, {field: page[0][0]}) if page and has_previous else None,
    )


def capped_count(queryset, cap=COUNT_CAP):
    """(count, capped): the number of rows, counting no further than cap."""
    count = queryset.order_by()[: cap + 1].count()
    return min(count, cap), count > cap


def _rows_beyond(ordered, ordering, cursor, reverse, limit):
    """The first limit rows of the ordered queryset after the cursor (before
    it when reverse)."""
    if not _splits(ordering):
        if cursor is None:
            return list(ordered[:limit])
        return list(ordered.filter(_beyond(ordering, cursor, reverse))[:limit])
    # A nullable key then the primary key, e.g. period newest first, undated
    # last. "After (x, id)" would be "(key, pk) < (x, id) OR key IS NULL",
    # which no index range serves (150 ms at page 1,000 of a million claims).
    # So dated and undated rows are two ranges, read one after the other:
    # each a single index range scan, the second only when the first runs out.
    key, pk = ordering
    descending = key.descending != reverse
    undated = ordered.filter(**{f"{key.field}__isnull": True})
    # Among dated rows NULLS FIRST or LAST makes no difference, so the order
    # is written the way an index on (key DESC NULLS LAST, pk DESC) reads,
    # forwards or backwards; SQLite's own NULL order is the same.
    # (ordered may be reversed; the new order_by() stays reversed with it.)
    by_key = F(key.field).desc(nulls_last=True) if key.descending else F(key.field).asc(nulls_first=True)
    dated = ordered.filter(**{f"{key.field}__isnull": False}).order_by(
        by_key, F(pk.field).desc() if key.descending else F(pk.field).asc()
    )
    undated_ahead = not reverse  # undated rows come last, so only going forward are they ahead
    if cursor is None:
        if descending:  # the order of the index itself, undated last: one scan
            return list(ordered[:limit])
        # Oldest first, undated last, is no single index order: dated rows
        # (the index read backwards), then undated ones if the page is short.
        rows = list(dated[:limit])
        return rows + list(undated[: limit - len(rows)]) if len(rows) < limit else rows
    value, last = cursor
    if value is None:
        rows = list(undated.filter(pk.after(last, reverse))[:limit])
        return rows + list(dated[: limit - len(rows)]) if not undated_ahead and len(rows) < limit else rows
    pair = Tuple(F(key.field), F(pk.field))
    beyond = RowLessThan(pair, [value, last]) if descending else RowGreaterThan(pair, [value, last])
    rows = list(dated.filter(beyond)[:limit])
    return rows + list(undated[: limit - len(rows)]) if undated_ahead and len(rows) < limit else rows


class _RowValues:
    """Always "(a, b) < (x, y)": Django 5.2 rewrites row values on SQLite
    into ORs of single columns, which SQLite's planner serves with a scan
    from the first column's value (a second at page 1,000 of the list, on
    a date many claims share); SQLite has had row values since 3.15."""

    def as_sql(self, compiler, connection):
        return super(TupleLookupMixin, self).as_sql(compiler, connection)


class RowLessThan(_RowValues, TupleLessThan):
    pass


class RowGreaterThan(_RowValues, TupleGreaterThan):
    pass


def _splits(ordering):
    """Whether the order is a nullable key then the primary key, both the same way."""
    return (
        len(ordering) == 2
        and ordering[0].nullable
        and ordering[1].field == "pk"
        and ordering[0].descending == ordering[1].descending
    )


def _beyond(keys, values, reverse):
    """Rows after the row with these sort values: lexicographic order over the keys."""
    condition = Q(pk__in=[])
    equal_so_far = Q()
    for key, value in zip(keys, values, strict=True):
        condition |= equal_so_far & key.after(value, reverse)
        equal_so_far &= key.equal(value)
    return condition


def encode_cursor(ordering, row):
    values = []
    for key in ordering:
        value = key.value_of(row)
        values.append({"d": value.isoformat()} if isinstance(value, datetime.date) else value)
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor, ordering):
    if cursor is None:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list) or len(values) != len(ordering):
            raise InvalidCursor("This page link does not fit the list's order.")
        return [
            datetime.date.fromisoformat(value["d"]) if isinstance(value, dict) else _scalar(value) for value in values
        ]
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise InvalidCursor("This page link is damaged.") from error


def _scalar(value):
    if value is not None and not isinstance(value, (int, float, str)):
        raise InvalidCursor("This page link is damaged.")
    if isinstance(value, str) and "\x00" in value:
        # No row's sort value holds a NUL character, and PostgreSQL refuses one in a query.
        raise InvalidCursor("This page link is damaged.")
    return value

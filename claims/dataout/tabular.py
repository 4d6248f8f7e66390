"""The file formats of the list downloads: CSV lines with cells a
spreadsheet cannot run, JSON arrays and JSON Lines, streamed a row at a
time so that a download of a million rows runs in bounded memory."""

import csv
import json

# A spreadsheet reads a cell starting with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Make a CSV cell inert for spreadsheets (OWASP CSV injection advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _Echo:
    def write(self, value):
        return value


# Every prefix is one character: a set of them is the fastest test.
FORMULA_STARTS = frozenset(FORMULA_PREFIXES)


# The citations in a CSV cell as the JSON the JSON download holds: a
# locator may hold ": " and a quote " | ", so any joined text would not split.
_citations_cell = json.JSONEncoder(ensure_ascii=False).encode


def _csv_cell(value):
    # By exact type, commonest first: this runs for every cell of a million rows.
    if value.__class__ is str:
        return "'" + value if value and value[0] in FORMULA_STARTS else value
    if value is None:
        return ""
    if value.__class__ is list:
        if value and value[0].__class__ is dict:
            return _citations_cell(value)  # starts with "[": never a formula
        return neutralise(" | ".join(map(str, value)))
    return neutralise(value)


def csv_lines(rows, columns):
    """Stream CSV lines; lists of slugs become ' | '-joined cells, citations
    a JSON array, formulas are neutralised."""
    writerow = csv.writer(_Echo()).writerow
    yield writerow(columns)
    for row in rows:
        yield writerow(map(_csv_cell, map(row.get, columns)))


def json_lines(rows):
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    for row in rows:
        yield dumps(row) + "\n"


def json_array(rows):
    """Stream a JSON array without holding it in memory."""
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    yield "["
    for n, row in enumerate(rows):
        yield ("\n" if n == 0 else ",\n") + dumps(row)
    yield "\n]\n"

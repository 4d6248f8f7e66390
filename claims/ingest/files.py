"""Finding fixture files and reading them: whole when small, a record at a
time when large, with a clear error for a file that is not JSON.

Both ways parse with the same parse_json(), which holds every value to rules
json.loads alone does not: nested at most MAX_DEPTH deep (checked by a scan of
the bytes before anything recursive runs), no key twice in one object, no NaN
or Infinity, no number longer than the corpus stores. A file is therefore read
the same whatever its size; whichever rule it breaks is reported with its file,
record and field, and the file is loaded no further.

Kept in one module because the two ways of reading must stay one: the rules
(parse_json), the byte scan both use for nesting, and the streamed reader that
cuts records out for parse_json change together, or a file's size would decide
what it means again.
"""

import codecs
import hashlib
import itertools
import json
import math
import re
from functools import partial
from pathlib import Path

from django.conf import settings

from claims.ingest.report import LoadError, LoadFailed
from claims.models import Claim

# Files larger than this are read a record at a time instead of whole.
STREAM_THRESHOLD_BYTES = 8 * 1024 * 1024
# A valid fixture nests 5 deep (file > claims > claim > citations > citation).
# Far deeper is no fixture; refusing it keeps the parser's memory and recursion
# flat, whatever the file holds.
MAX_DEPTH = 64
# The largest record (a claim, a .jsonl line) a large file may hold: each is parsed whole.
MAX_RECORD_BYTES = 8 * 1024 * 1024
CHUNK_BYTES = 1 << 20
# The most digits a number may have: the claim value's (Python itself refuses
# to read an integer of more than 4,300 digits).
MAX_NUMBER_DIGITS = Claim._meta.get_field("value").max_digits
# A path into a nesting too deep to show whole is shown by its first steps.
FIELD_STEPS = 4
LISTS_OF_RECORDS = ("claims", "companies", "topics")
TOP_LEVEL = "the top level must be an object with 'source' and 'claims' (or a vocabulary)"
TOO_DEEP = f"nested deeper than {MAX_DEPTH} levels"


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def display_name(path):
    path = Path(path).resolve()
    try:
        name = str(path.relative_to(settings.BASE_DIR))
    except ValueError:
        name = str(path)
    # A name that is not UTF-8 is printed and stored escaped.
    return name.encode("utf-8", "backslashreplace").decode("utf-8")


def discover(paths):
    """Fixture files named by `paths` (files or directories), vocabularies first."""
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            found += [p for p in sorted(path.rglob("*.json*")) if p.suffix in (".json", ".jsonl") and not p.is_dir()]
        elif path.exists():
            found.append(path)
        else:
            raise LoadFailed([LoadError(str(path), "", "", "no such file or directory")])
    found = [p for p in found if p.name != "schema.json"]
    order = {"companies.json": 0, "topics.json": 1}
    return sorted(dict.fromkeys(found), key=lambda p: (order.get(p.name, 2), str(p)))


# -- one JSON value, held to the rules --------------------------------------------------


class Unreadable(Exception):
    """How a value breaks the rules: (path within it, message) for each way;
    path None when the message says where (a line and column, a byte)."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__(problems)


class _Refused:
    """Stands in a parsed value for what no fixture may hold there."""

    __slots__ = ("message",)

    def __init__(self, message):
        self.message = message


class _RepeatedKeys(dict):
    """An object that gives some key more than once (json.loads keeps the last)."""

    repeated = ()


def parse_json(data, position=None, depth=0):
    """The value `data` (bytes) holds, as json.loads reads it, or Unreadable.
    `position(offset)` gives (line, column, byte in the file) of a byte of
    data; `depth` is how many arrays and objects enclose data in its file."""
    position = position or partial(_position, data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Unreadable([(None, f"not UTF-8 text ({error.reason} at byte {position(error.start)[2]})")])
    deep = _too_deep(data, depth)
    if deep is not None:
        raise Unreadable([(_path_at(data, 0, deep), TOO_DEEP)])
    refused = []
    decoder = json.JSONDecoder(
        object_pairs_hook=partial(_object, refused),
        parse_constant=partial(_constant, refused),
        parse_int=partial(_integer, refused),
        parse_float=partial(_float, refused),
    )
    try:
        value = decoder.decode(text)
    except json.JSONDecodeError as error:
        line, column, _ = position(len(text[: error.pos].encode("utf-8")))
        raise Unreadable([(None, f"malformed JSON at line {line}, column {column}: {error.msg}")])
    if refused:
        raise Unreadable(list(_refusals(value)))
    return value


def _object(refused, pairs):
    value = dict(pairs)
    if len(value) < len(pairs):
        seen = set()
        value = _RepeatedKeys(value)
        value.repeated = list(dict.fromkeys(key for key, _ in pairs if key in seen or seen.add(key)))
        refused.append(value)
    return value


def _constant(refused, name):
    refused.append(name)
    return _Refused(f"{name} is not valid JSON: a number must be finite")


def _integer(refused, literal):
    digits = len(literal.lstrip("-"))
    if digits <= MAX_NUMBER_DIGITS:
        return int(literal)
    refused.append(literal)
    return _Refused(f"a number of {digits} digits: the corpus stores at most {MAX_NUMBER_DIGITS}")


def _float(refused, literal):
    value = float(literal)
    if math.isfinite(value):
        return value
    refused.append(literal)
    return _Refused(f"a number too large: the corpus stores at most {MAX_NUMBER_DIGITS} digits")


def _refusals(value, path=()):
    """(path, message) for each refused value and repeated key in a parsed value."""
    if isinstance(value, _Refused):
        yield path, value.message
    elif isinstance(value, dict):
        for key in getattr(value, "repeated", ()):
            yield (*path, key), f"duplicate key '{_shown(key)}': an object gives each key once"
        for key, item in value.items():
            yield from _refusals(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _refusals(item, (*path, index))


def _size(n):
    return f"{n >> 20} MiB" if n >= 1 << 20 else f"{n} bytes"


def _position(data, offset, line=1, column=0, base=0):
    """(line, column, byte in the file) of data[offset], when data starts at
    that line and column of the file, `base` bytes into it."""
    head = data[:offset]
    newlines = head.count(b"\n")
    if newlines:
        line += newlines
        column = 0
        head = head[head.rindex(b"\n") + 1 :]
    return line, column + len(head.decode("utf-8", "replace")) + 1, base + offset


# -- nesting, found by a linear scan of the bytes ------------------------------------------
# Strings are skipped whole (a bracket in a string is text); the scan keeps a
# count, never a stack, so it needs no more memory 200,000 levels down.

_STRING = rb'"(?:[^"\\]++|\\.)*+"'
_TO_BRACKET = re.compile(rb'(?:[^"\[\]{}]++|' + _STRING + rb")*+([\[\]{}])", re.DOTALL)
_PLAIN = re.compile(rb'(?:[^"\[\]{}]++|' + _STRING + rb")*+", re.DOTALL)
_TOKEN = re.compile(_STRING + rb'|"(?:[^"\\]++|\\.)*+|[\[\]{},:]', re.DOTALL)
_CLOSED, _OPEN, _DEEP = "closed", "open", "deep"


def _follow(buf, pos, depth, floor):
    """Follow the brackets outside strings from pos, with depth arrays and
    objects open: until depth falls back to floor (_CLOSED, and the index past
    that bracket), a bracket opens past MAX_DEPTH (_DEEP, and its index), or
    buf ends (_OPEN, and where to go on from once more is read: buf's end, or
    the start of a string it cuts)."""
    while (match := _TO_BRACKET.match(buf, pos)) is not None:
        pos = match.end()
        if buf[pos - 1] in b"[{":
            depth += 1
            if depth > MAX_DEPTH:
                return pos - 1, depth, _DEEP
        else:
            depth -= 1
            if depth == floor:
                return pos, depth, _CLOSED
    return _PLAIN.match(buf, pos).end(), depth, _OPEN


def _too_deep(data, depth=0):
    """The offset of the first [ or { in data nested past MAX_DEPTH, or None."""
    if depth + data.count(b"[") + data.count(b"{") <= MAX_DEPTH:
        return None
    offset, _, state = _follow(data, 0, depth, floor=None)
    return offset if state is _DEEP else None


def _path_at(data, start, end):
    """The path (keys and indices) to the value at data[end], the text from
    start on being a value's beginning: found when something there is wrong."""
    frames = []  # [key or index, whether an object awaits its next key (None: an array)]
    for match in _TOKEN.finditer(data, start, end):
        token = match.group()
        if token in (b"{", b"["):
            frames.append(["", True] if token == b"{" else [0, None])
        elif token in (b"}", b"]"):
            del frames[-1:]
        elif not frames:
            continue
        elif token == b"," and frames[-1][1] is None:
            frames[-1][0] += 1  # the next item of an array
        elif token in (b",", b":"):
            frames[-1][1] = token == b","  # an object awaits its next key, or its value
        elif frames[-1][1]:
            frames[-1][0] = _key_text(token)
    return [frame[0] for frame in frames]


def _key_text(token):
    try:
        return json.loads(token)
    except ValueError:
        return token[1:-1].decode("utf-8", "replace")


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def _shown(text, limit=40):
    """Text from a file as an error message can show it: escaped, and short."""
    text = _UNPRINTABLE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def record_and_field(path):
    """A path in a file as LoadError names it: the record's JSON pointer
    ('/claims/3', '/source') and the field within the record."""
    steps = [
        str(step) if isinstance(step, int) else _shown(step).replace("~", "~0").replace("/", "~1") for step in path
    ]
    split = 2 if len(path) > 1 and path[0] in LISTS_OF_RECORDS and isinstance(path[1], int) else 1
    record, field = steps[:split], steps[split:]
    if len(field) > FIELD_STEPS:
        field = [*field[:FIELD_STEPS], "…"]
    return ("/" + "/".join(record) if record else ""), "/".join(field)


# -- a fixture file ---------------------------------------------------------------------


class FixtureFile:
    """A fixture file, read whole when small, a record at a time when large (.jsonl, or big .json)."""

    def __init__(self, path):
        self.path = Path(path)
        self.name = display_name(path)
        try:
            self.size = self.path.stat().st_size
        except OSError:
            self.size = 0  # reading it says why it cannot be read
        self.streamed = self.path.suffix == ".jsonl" or self.size > STREAM_THRESHOLD_BYTES
        self._data = None

    def _error(self, message):
        return LoadFailed([LoadError(self.name, "", "", message)])

    def failed(self, problems, base=(), line=None):
        """LoadFailed for the problems (see Unreadable) of the value at path `base`."""
        errors = []
        for path, message in problems:
            record, field = record_and_field((*base, *path)) if path is not None else ("", "")
            if line:
                record = f"{record} (line {line})" if record else f"line {line}"
            errors.append(LoadError(self.name, record, field, message))
        return LoadFailed(errors)

    def _open(self):
        try:
            return open(self.path, "rb")
        except OSError as error:
            raise self._error(f"cannot be read ({error.strerror or error})")

    def sha256(self):
        try:
            return file_sha256(self.path)
        except OSError as error:
            raise self._error(f"cannot be read ({error.strerror or error})")

    def _load_whole(self):
        if self._data is None:
            with self._open() as handle:
                data = handle.read()
            try:
                self._data = parse_json(data)
            except Unreadable as unreadable:
                raise self.failed(unreadable.problems)
            if not isinstance(self._data, dict):
                raise self._error(TOP_LEVEL)
        return self._data

    def kind(self):
        """'companies', 'topics' or 'source'."""
        if self.path.suffix == ".jsonl":
            return "source"
        if not self.streamed:
            return self._kind_of(self._load_whole().keys())
        # Read only as far as the top-level keys tell what the file is.
        keys = set()
        with self._open() as handle:
            for key in Stream(self, handle).members():
                keys.add(key)
                if keys & {"companies", "topics"} or {"source", "claims"} <= keys:
                    break
        return self._kind_of(keys)

    def _kind_of(self, keys):
        keys = set(keys) - {"$schema"}
        for kind, required in (("companies", {"companies"}), ("topics", {"topics"}), ("source", {"source", "claims"})):
            if required <= keys:
                return kind
        raise self._error(
            "cannot tell what this file holds: expected 'source' and 'claims', 'companies' or 'topics' at the top level"
        )

    def whole(self):
        return self._load_whole()

    def source_record(self):
        if not self.streamed:
            return self._load_whole().get("source")
        with self._open() as handle:
            if self.path.suffix == ".jsonl":
                number, value = next(self._lines(handle), (None, None))
                return value.get("source") if number == 1 and isinstance(value, dict) else None
            stream = Stream(self, handle)
            for key in stream.members():
                if key == "source":
                    return stream.value(("source",))
        return None

    def claims(self):
        """Yield (index, claim record) without holding the file in memory."""
        if not self.streamed:
            claims = self._load_whole().get("claims")
            if not isinstance(claims, list):
                raise self._error("'claims' must be a list")
            yield from enumerate(claims)
            return
        with self._open() as handle:
            if self.path.suffix == ".jsonl":
                yield from ((number - 2, value) for number, value in self._lines(handle) if number > 1)
                return
            stream = Stream(self, handle)
            for key in stream.members():
                if key != "claims":
                    stream.value((key,))  # read as a small file's would be, so refused alike
                elif stream.peek() != b"[":
                    raise self._error("'claims' must be a list")
                else:
                    yield from stream.items(("claims",))

    def _lines(self, handle):
        """(line number, value) of each line of a .jsonl file that is not blank:
        the first the source, each other a claim."""
        offset, number = 0, 0
        while line := handle.readline(MAX_RECORD_BYTES + 1):
            number += 1
            if len(line) > MAX_RECORD_BYTES:
                raise self.failed([(None, f"a line longer than {_size(MAX_RECORD_BYTES)}")], line=number)
            if line.strip():
                base = () if number == 1 else ("claims", number - 2)
                try:
                    value = parse_json(line, partial(_position, line, line=number, base=offset))
                except Unreadable as unreadable:
                    raise self.failed(unreadable.problems, base, line=number)
                yield number, value
            offset += len(line)


class Stream:
    """A large .json file read forward a chunk at a time: the members of its
    top-level object one by one, each value cut out whole (the claims list
    item by item, none larger than MAX_RECORD_BYTES) and parsed with
    parse_json(), as a small file is."""

    def __init__(self, fixture, handle):
        self.fixture, self.handle = fixture, handle
        self.buf, self.pos, self.mark = b"", 0, 0  # what is read; where the reading is; what is still needed
        self.base, self.line, self.column = 0, 1, 0  # where buf[0] is in the file
        self.eof = False
        self.taken = False

    def _read(self):
        """Read on, forgetting what lies before mark; False at the end of the file."""
        chunk = b"" if self.eof else self.handle.read(CHUNK_BYTES)
        if not chunk:
            self.eof = True
            return False
        dropped = self.buf[: self.mark]
        if b"\n" in dropped:
            self.line += dropped.count(b"\n")
            self.column = 0
            dropped = dropped[dropped.rindex(b"\n") + 1 :]
        self.column += len(dropped.decode("utf-8", "replace"))
        self.base += self.mark
        self.buf = self.buf[self.mark :] + chunk
        self.pos -= self.mark
        self.mark = 0
        return True

    def _malformed(self, index, message):
        line, column, _ = _position(self.buf, index, self.line, self.column, self.base)
        return self.fixture.failed([(None, f"malformed JSON at line {line}, column {column}: {message}")])

    def peek(self):
        """The next byte that is not white space; b"" at the end of the file."""
        while True:
            self.pos = _BLANK.match(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                return self.buf[self.pos : self.pos + 1]
            self.mark = self.pos
            if not self._read():
                return b""

    def _expect(self, allowed, message):
        found = self.peek()
        if not found or found not in allowed:
            raise self._malformed(self.pos, message)
        self.pos += 1
        return found

    def _extent(self, path, depth):
        """(start, end) in buf of the value that comes next, with depth arrays
        and objects around it; read to its end, or to the end of the file
        (where parsing it says what is missing)."""
        first = self.peek()
        self.mark = scan = self.pos
        level = depth
        while True:
            if first in (b"[", b"{"):
                scan, level, state = _follow(self.buf, scan, level, depth)
                if state is _DEEP:
                    raise self.fixture.failed([((*path, *_path_at(self.buf, self.mark, scan)), TOO_DEEP)])
                done = state is _CLOSED
            elif first == b'"':
                match = _STRING_VALUE.match(self.buf, self.mark)
                done, scan = match is not None, match.end() if match else scan
            else:
                scan = _LITERAL.match(self.buf, self.mark).end()
                done = scan < len(self.buf)
            if done:
                return self.mark, scan
            if len(self.buf) - self.mark > MAX_RECORD_BYTES:
                raise self.fixture.failed([(path, f"a value larger than {_size(MAX_RECORD_BYTES)}")])
            offset = scan - self.mark
            if not self._read():
                return self.mark, len(self.buf)
            scan = offset

    def value(self, path, depth=1):
        """The value that comes next, at `path` in the file, parsed."""
        self.taken = True
        start, end = self._extent(path, depth)
        self.pos = end
        at = partial(_position, self.buf, line=self.line, column=self.column, base=self.base)
        try:
            return parse_json(self.buf[start:end], lambda offset: at(start + offset), depth)
        except Unreadable as unreadable:
            raise self.fixture.failed(unreadable.problems, path)

    def members(self):
        """Yield each key of the top-level object in turn; the value after it
        is skipped unless the caller read it (value() or items())."""
        first = self.peek()
        if first != b"{":
            if self.buf.startswith(codecs.BOM_UTF8):
                raise self._malformed(0, "Unexpected UTF-8 BOM (decode using utf-8-sig)")
            if first and first in b'["-0123456789tfn':
                raise self.fixture._error(TOP_LEVEL)
            raise self._malformed(self.pos, "Expecting value")
        self.pos += 1
        seen = set()
        closed = self.peek() == b"}"
        self.pos += closed
        while not closed:
            if self.peek() != b'"':
                raise self._malformed(self.pos, "Expecting property name enclosed in double quotes")
            key = self.value(())
            if key in seen:
                raise self.fixture.failed([((key,), f"duplicate key '{_shown(key)}': an object gives each key once")])
            seen.add(key)
            self._expect(b":", "Expecting ':' delimiter")
            self.taken = False
            yield key
            if not self.taken:
                self._skip((key,))
            closed = self._expect(b",}", "Expecting ',' delimiter") == b"}"
        if self.peek():
            raise self._malformed(self.pos, "Extra data")

    def items(self, path):
        """Yield (index, item) for each item of the array that comes next, parsed in turn."""
        self.taken = True
        yield from self._items(path, parse=True)

    def _items(self, path, parse):
        self._expect(b"[", "Expecting value")
        if self.peek() == b"]":
            self.pos += 1
            return
        for index in itertools.count():
            if parse:
                yield index, self.value((*path, index), depth=2)
            else:
                self.pos = self._extent((*path, index), 2)[1]
            if self._expect(b",]", "Expecting ',' delimiter") == b"]":
                return

    def _skip(self, path):
        """Go past the value that comes next: an array item by item."""
        if self.peek() == b"[":
            for _ in self._items(path, parse=False):
                pass
        else:
            self.pos = self._extent(path, 1)[1]


_BLANK = re.compile(rb"[ \t\n\r]*")
_STRING_VALUE = re.compile(_STRING, re.DOTALL)
_LITERAL = re.compile(rb'[^ \t\n\r,:\[\]{}"]*+')

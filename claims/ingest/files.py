"""Finding fixture files and reading them: whole when small, streamed with
ijson when large, with a clear error for a file that is not JSON."""

import hashlib
import json
from pathlib import Path

import ijson
from django.conf import settings

from claims.ingest.report import LoadError, LoadFailed

# Files larger than this are streamed with ijson instead of read whole.
STREAM_THRESHOLD_BYTES = 8 * 1024 * 1024


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def display_name(path):
    path = Path(path).resolve()
    try:
        return str(path.relative_to(settings.BASE_DIR))
    except ValueError:
        return str(path)


def discover(paths):
    """Fixture files named by `paths` (files or directories), vocabularies first."""
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            found += [p for p in sorted(path.rglob("*.json*")) if p.suffix in (".json", ".jsonl")]
        elif path.exists():
            found.append(path)
        else:
            raise LoadFailed([LoadError(str(path), "", "", "no such file or directory")])
    found = [p for p in found if p.name != "schema.json"]
    order = {"companies.json": 0, "topics.json": 1}
    return sorted(dict.fromkeys(found), key=lambda p: (order.get(p.name, 2), str(p)))


class FixtureFile:
    """A fixture file, read whole when small, streamed when large (.jsonl, or big .json)."""

    def __init__(self, path):
        self.path = Path(path)
        self.name = display_name(path)
        self.size = self.path.stat().st_size
        self.streamed = self.path.suffix == ".jsonl" or self.size > STREAM_THRESHOLD_BYTES
        self._data = None

    def _error(self, message):
        return LoadFailed([LoadError(self.name, "", "", message)])

    def _load_whole(self):
        if self._data is None:
            try:
                self._data = json.loads(self.path.read_text(encoding="utf-8"))
            except UnicodeDecodeError as error:
                raise self._error(f"not UTF-8 text ({error.reason} at byte {error.start})")
            except json.JSONDecodeError as error:
                raise self._error(f"malformed JSON at line {error.lineno}, column {error.colno}: {error.msg}")
            if not isinstance(self._data, dict):
                raise self._error("the top level must be an object with 'source' and 'claims' (or a vocabulary)")
        return self._data

    def kind(self):
        """'companies', 'topics' or 'source'."""
        if self.path.suffix == ".jsonl":
            return "source"
        if self.streamed:
            # Read only as far as the top-level keys tell what the file is.
            keys = set()
            for key in self._top_level_keys():
                keys.add(key)
                if keys & {"companies", "topics"} or {"source", "claims"} <= keys:
                    break
            return self._kind_of(keys)
        return self._kind_of(self._load_whole().keys())

    def _kind_of(self, keys):
        keys = set(keys) - {"$schema"}
        for kind, required in (("companies", {"companies"}), ("topics", {"topics"}), ("source", {"source", "claims"})):
            if required <= keys:
                return kind
        raise self._error(
            "cannot tell what this file holds: expected 'source' and 'claims', 'companies' or 'topics' at the top level"
        )

    def _top_level_keys(self):
        with open(self.path, "rb") as handle:
            try:
                for prefix, event, value in ijson.parse(handle, use_float=True):
                    if prefix == "" and event == "map_key":
                        yield value
            except ijson.JSONError as error:
                raise self._error(f"malformed JSON: {error}")

    def whole(self):
        return self._load_whole()

    def source_record(self):
        if not self.streamed:
            return self._load_whole().get("source")
        with open(self.path, "rb") as handle:
            try:
                if self.path.suffix == ".jsonl":
                    first = handle.readline()
                    return json.loads(first).get("source") if first.strip() else None
                return next(ijson.items(handle, "source", use_float=True), None)
            except (ijson.JSONError, json.JSONDecodeError, AttributeError) as error:
                raise self._error(f"malformed JSON in the source record: {error}")

    def claims(self):
        """Yield (index, claim record) without holding the file in memory."""
        if not self.streamed:
            claims = self._load_whole().get("claims")
            if not isinstance(claims, list):
                raise self._error("'claims' must be a list")
            yield from enumerate(claims)
            return
        with open(self.path, "rb") as handle:
            if self.path.suffix == ".jsonl":
                handle.readline()
                for index, line in enumerate(handle):
                    if not line.strip():
                        continue
                    try:
                        yield index, json.loads(line)
                    except json.JSONDecodeError as error:
                        raise LoadFailed(
                            [LoadError(self.name, f"line {index + 2}", "", f"malformed JSON: {error.msg}")]
                        )
                return
            try:
                yield from enumerate(ijson.items(handle, "claims.item", use_float=True))
            except ijson.JSONError as error:
                raise self._error(f"malformed JSON: {error}")

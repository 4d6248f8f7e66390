"""Each record checked against fixtures/schema.json: fast when valid
(fastjsonschema), and with jsonschema's exact messages when not."""

import json
import re
from functools import cache
from pathlib import Path

import fastjsonschema
import jsonschema

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "fixtures" / "schema.json"


@cache
def _fast_validators():
    """The same schema compiled to Python by fastjsonschema (~50x faster than
    jsonschema): valid records pass here; only invalid ones go on to jsonschema,
    whose messages say exactly what is wrong and where."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8").replace("#/$defs/", "#/definitions/"))
    return {
        name: fastjsonschema.compile(
            {
                "$schema": "http://json-schema.org/draft-07/schema#",
                "definitions": schema["$defs"],
                "$ref": f"#/definitions/{name}",
            }
        )
        for name in ("source", "claim")
    }


@cache
def _validators():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return {
        name: jsonschema.Draft202012Validator({"$defs": schema["$defs"], "$ref": f"#/$defs/{name}"})
        for name in ("source", "claim", "company", "topic", "companiesFile", "topicsFile")
    }


def problems(definition, data):
    """(field path, message) for each way data breaks the schema's
    definition ('claim', 'source', 'companiesFile' ...); [] when valid."""
    fast = _fast_validators().get(definition)
    if fast is not None:
        try:
            fast(data)
            return []
        except fastjsonschema.JsonSchemaException:
            pass  # invalid: jsonschema says exactly how
    errors = sorted(_validators()[definition].iter_errors(data), key=lambda e: list(e.path))
    return [("/".join(str(p) for p in error.path), schema_message(error)) for error in errors]


# A message quoting a long value (jsonschema shows it whole) shows its beginning.
MAX_MESSAGE = 300


def schema_message(error):
    message = _schema_message(error)
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…"


def _schema_message(error):
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown field(s)")
    if error.validator == "required":
        return f"missing required field: {error.message.split(' is a required')[0]}"
    if error.validator in ("oneOf", "anyOf") and error.context:
        best = jsonschema.exceptions.best_match(error.context)
        return best.message
    return error.message


def nul_paths(value, path=""):
    """JSON paths of the strings (keys included) in `value` holding a NUL character."""
    return _paths_of_strings(lambda text: "\x00" in text, value, path)


# Half of a UTF-16 pair with no other half: JSON's "\ud800" escape makes one,
# and json.loads keeps it, but it is no character, and neither database can store it.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def surrogate_paths(value, path=""):
    """JSON paths of the strings (keys included) in `value` holding a lone surrogate."""
    return _paths_of_strings(LONE_SURROGATE.search, value, path)


def _paths_of_strings(wrong, value, path):
    """The paths of the strings for which wrong() is true; a key's is its
    object's (the path would show what is wrong with it), not gone into."""
    if isinstance(value, str):
        if wrong(value):
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            if wrong(key):
                yield path
            else:
                yield from _paths_of_strings(wrong, item, f"{path}/{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths_of_strings(wrong, item, f"{path}/{index}" if path else str(index))

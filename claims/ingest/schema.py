"""Each record checked against fixtures/schema.json: fast when valid
(fastjsonschema), and with jsonschema's exact messages when not."""

import json
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


def schema_message(error):
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
    if isinstance(value, str):
        if "\x00" in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                yield path
            yield from nul_paths(item, f"{path}/{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from nul_paths(item, f"{path}/{index}" if path else str(index))

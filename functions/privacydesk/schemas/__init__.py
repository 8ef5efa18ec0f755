"""JSON Schema files for everything that crosses the edge, validated with jsonschema."""

import json
from functools import cache
from pathlib import Path
from typing import Any

_DIR = Path(__file__).resolve().parent


class EdgeValidationError(ValueError):
    """Input failed its schema; the message names the field, never echoes the value."""


@cache
def load_schema(name: str) -> dict[str, Any]:
    """A schema file of this folder, parsed once."""
    schema: dict[str, Any] = json.loads((_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return schema


def validate(instance: Any, name: str) -> None:
    """Raise EdgeValidationError when `instance` does not match schema `name`."""
    # Imported here: jsonschema costs a cold start tens of milliseconds that most paths never need.
    from jsonschema import Draft202012Validator  # noqa: PLC0415

    validator = Draft202012Validator(load_schema(name), format_checker=Draft202012Validator.FORMAT_CHECKER)
    error = next(iter(sorted(validator.iter_errors(instance), key=lambda e: list(e.path))), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        raise EdgeValidationError(f"{name}: invalid at {where}: {error.validator} constraint failed")

"""Running ``ecoprocure`` in-process for the CLI tests: the command, its JSON, its one-line error."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner, Result

from ecoprocure.cli.main import app

runner = CliRunner()


def run(*args: str) -> Result:
    return runner.invoke(app, list(args))


def run_json(*args: str) -> Any:
    result = run(*args)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)


def one_line_error(result: Result) -> str:
    """A failed command prints exactly one line, ``error: …``, on stderr."""
    assert result.exit_code != 0, result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]

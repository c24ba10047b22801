"""domain.toml_tables.read_toml: whatever bytes a file holds, a table or an error naming the file."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecoprocure.domain.event_file import load_event
from ecoprocure.domain.events import EventFileError
from ecoprocure.domain.sdg_answers import load_answers
from ecoprocure.domain.sdg_methodology import SdgError, load_methodology
from ecoprocure.domain.toml_tables import read_toml
from ecoprocure.errors import DataError


class _Error(DataError):
    pass


@settings(max_examples=150, deadline=None)
@given(content=st.binary(max_size=60) | st.text(max_size=60).map(lambda t: t.encode("utf-8")))
def test_any_content_gives_a_table_or_an_error_naming_the_file(
    tmp_path_factory: pytest.TempPathFactory, content: bytes
) -> None:
    path = tmp_path_factory.mktemp("toml") / "data.toml"
    path.write_bytes(content)
    try:
        expected = tomllib.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        with pytest.raises(_Error, match=r"^data\.toml: not (UTF-8 text|valid TOML): "):
            read_toml(path, _Error, "data file")
    else:
        assert read_toml(path, _Error, "data file") == expected
        assert read_toml(path, _Error, "data file", name="/elsewhere/data.toml") == expected


def test_the_name_messages_use(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    with pytest.raises(_Error, match=r"^missing\.toml: cannot read the data file: "):
        read_toml(missing, _Error, "data file")
    with pytest.raises(_Error, match=r"^/x/missing\.toml: cannot read the data file: "):
        read_toml(missing, _Error, "data file", name="/x/missing.toml")


@pytest.mark.parametrize(
    ("load", "error", "named"),
    [
        (load_event, EventFileError, "bad.toml: not UTF-8 text"),  # the event file's name
        (load_methodology, SdgError, "/bad.toml: not UTF-8 text"),  # the SDG files' whole path
        (load_answers, SdgError, "/bad.toml: not UTF-8 text"),
    ],
    ids=["event", "methodology", "answers"],
)
def test_callers_keep_their_error_class_and_naming(tmp_path: Path, load, error, named) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b'name = "caf\xe9"\n')
    with pytest.raises(error) as caught:
        load(bad)
    message = str(caught.value)
    assert named in message
    assert message.startswith(str(bad)) == (error is SdgError)

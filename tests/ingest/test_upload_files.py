"""What an upload may be (``ingest.upload_files``): safe names, accepted endings, sniffed content."""

from __future__ import annotations

import gzip

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecoprocure.ingest.upload_files import MAX_NAME, accepted, check_content, check_name, safe_name


@given(st.text(max_size=400))
def test_a_safe_name_never_leaves_its_folder(name: str) -> None:
    safe = safe_name(name)
    assert safe and len(safe) <= MAX_NAME
    assert "/" not in safe and "\\" not in safe and not safe.startswith(".")
    assert safe not in (".", "..") and all(ch.isprintable() for ch in safe)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\采购数据 2023.csv", "采购数据 2023.csv"),
        ("<script>.csv", "_script_.csv"),
        ("...", "upload"),
        ("a" * 300 + ".json.gz", "a" * (MAX_NAME - 8) + ".json.gz"),
    ],
)
def test_safe_names(name: str, expected: str) -> None:
    assert safe_name(name) == expected


def test_endings_per_kind() -> None:
    assert check_name("procurement", "releases.json.gz") is None
    assert check_name("procurement", "items.XLSX") is None
    assert check_name("registry", "models.txt") is None
    refused = check_name("registry", "releases.json")
    assert refused is not None and refused.accepted == accepted("registry")
    assert "accepted: .csv, .tsv, .txt, .xlsx, .xlsm" in refused.message
    assert check_name("procurement", "noending") is not None


@pytest.mark.parametrize(
    ("kind", "name", "head", "ok"),
    [
        ("procurement", "r.json", b'\xef\xbb\xbf  {"releases": []}', True),
        ("procurement", "r.jsonl", b'{"ocid": "a"}\n', True),
        ("procurement", "r.json", gzip.compress(b"{}"), True),
        ("procurement", "r.json.gz", gzip.compress(b"{}"), True),
        ("procurement", "r.json.gz", b"{}", False),
        ("procurement", "r.json", b"id,name\n", False),
        ("procurement", "p.csv", "合同编号,数量\n".encode("gb18030"), True),
        ("procurement", "p.csv", b"\xff\xfea\x00,\x00b\x00", True),
        ("procurement", "p.csv", b"\x89PNG\r\n\x1a\n\x00\x00", False),
        ("procurement", "p.csv", b"a,b\x00c", False),
        ("registry", "m.xlsx", b"PK\x03\x04rest", True),
        ("registry", "m.xlsx", b"a,b\n", False),
        ("registry", "m.csv", b"PK\x03\x04rest", False),
        ("registry", "m.csv", b"MZ\x90\x00", False),
    ],
)
def test_content_must_fit_the_ending(kind: str, name: str, head: bytes, ok: bool) -> None:
    problem = check_content(kind, name, head)
    assert (problem is None) is ok, problem


def test_the_refusal_says_what_the_file_looks_like() -> None:
    problem = check_content("procurement", "photo.csv", b"\x89PNG\r\n\x1a\n")
    assert problem is not None and "looks like a PNG image" in problem.message

"""Reading CSV (any encoding) and XLSX files into numbered rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook

from ecoprocure.errors import DataError
from ecoprocure.ingest.tabular import Row, clean_header, detect_encoding, read_rows

HEADER = ["registration_id", "name_en", "name_zh", "country"]
ROWS = [
    ["91110108700000000X", "Lenovo (Beijing) Ltd.", "联想（北京）有限公司", "CN"],
    ["91440300279583285Q", "Huawei Technologies Co., Ltd.", "华为技术有限公司", "CN"],
    ["91310000607200999A", "", "上海环境标志认证中心 — 测试", "CN"],
]
EXPECTED = [Row(i + 2, dict(zip(HEADER, cells, strict=True))) for i, cells in enumerate(ROWS)]


def _csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    return "".join(delimiter.join(f'"{c}"' if "," in c else c for c in row) + "\r\n" for row in rows)


def _write(path: Path, encoding: str, rows: list[list[str]] | None = None) -> Path:
    path.write_bytes(_csv_text([HEADER, *(rows or ROWS)]).encode(encoding))
    return path


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gbk", "gb18030"),
        ("gb18030", "gb18030"),
    ],
)
def test_csv_encodings_read_the_same_rows(tmp_path: Path, encoding: str, detected: str) -> None:
    path = _write(tmp_path / "licensees.csv", encoding)
    assert detect_encoding(path) == detected
    assert list(read_rows(path)) == EXPECTED


@pytest.mark.parametrize("name_zh", ["联", "企业", "环境标志企业", "联想（北京）有限公司"])
def test_short_gbk_text_is_read_as_gbk(tmp_path: Path, name_zh: str) -> None:
    # Two bytes of Chinese decode as Big5, EUC-KR or EUC-JP too; a GBK file must still come out right.
    path = tmp_path / "licensees.csv"
    path.write_bytes(f"registration_id,name_zh\r\nX1,{name_zh}\r\n".encode("gbk"))
    assert detect_encoding(path) == "gb18030"
    assert list(read_rows(path)) == [Row(2, {"registration_id": "X1", "name_zh": name_zh})]


def test_repetitive_gbk_text_cut_by_the_sniffed_block(tmp_path: Path) -> None:
    path = tmp_path / "licensees.csv"
    body = "".join(f"ID{i:06d},企业{i}\r\n" for i in range(30000))
    path.write_bytes(("registration_id,name_zh\r\n" + body).encode("gbk"))
    assert path.stat().st_size > 256 * 1024
    assert detect_encoding(path) == "gb18030"
    rows = list(read_rows(path))
    assert rows[-1] == Row(30001, {"registration_id": "ID029999", "name_zh": "企业29999"})


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("한국환경산업기술원", "euc-kr"),
        ("エコマーク事務局", "shift_jis"),
        ("Компания Ромашка", "cp1251"),
    ],
)
def test_other_legacy_encodings_are_not_taken_for_gbk(tmp_path: Path, text: str, encoding: str) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(f"a,b\r\n1,{text}\r\n".encode(encoding))
    assert list(read_rows(path)) == [Row(2, {"a": "1", "b": text})]


def test_gb18030_only_characters(tmp_path: Path) -> None:
    rows = [["X1", "", "𠀀𠀁 公司 · 𡘙", "CN"], *ROWS]  # CJK extension B: four-byte GB18030 sequences
    path = _write(tmp_path / "licensees.csv", "gb18030", rows)
    assert next(read_rows(path)).values["name_zh"] == "𠀀𠀁 公司 · 𡘙"


def test_gbk_file_larger_than_the_sniffed_block(tmp_path: Path) -> None:
    many = [[f"ID{i:06d}", f"Company {i}", f"环境标志企业{i}号", "CN"] for i in range(12000)]
    path = _write(tmp_path / "big.csv", "gbk", many)
    assert path.stat().st_size > 256 * 1024
    rows = list(read_rows(path))
    assert len(rows) == 12000
    assert rows[-1] == Row(
        12001,
        {
            "registration_id": "ID011999",
            "name_en": "Company 11999",
            "name_zh": "环境标志企业11999号",
            "country": "CN",
        },
    )


def test_utf8_multibyte_character_cut_by_the_sniffed_block(tmp_path: Path) -> None:
    # A 3-byte character straddling the 256 KiB boundary must not push detection off UTF-8.
    prefix = "id,name_zh\r\n"
    filler_rows = []
    size = len(prefix.encode())
    i = 0
    while size < 256 * 1024 - 40:
        line = f"{i},{'a' * 20}\r\n"
        filler_rows.append(line)
        size += len(line.encode())
        i += 1
    text = prefix + "".join(filler_rows)
    gap = 256 * 1024 - len(text.encode()) - len("X,") - 1
    text += "X," + "b" * gap + "联想\r\n"
    path = tmp_path / "cut.csv"
    path.write_bytes(text.encode("utf-8"))
    assert path.read_bytes()[256 * 1024 - 1 : 256 * 1024 + 2].decode("utf-8") == "联"
    assert detect_encoding(path) == "utf-8"
    assert list(read_rows(path))[-1].values["name_zh"] == "b" * gap + "联想"


def test_empty_file_is_a_data_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "certificates.csv"
    path.write_bytes(b"")
    with pytest.raises(DataError, match=r"^certificates\.csv: the file is empty$"):
        list(read_rows(path))


def test_blank_file_is_empty_too(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_bytes(b"\r\n  \r\n")
    with pytest.raises(DataError, match=r"^blank\.csv: the file is empty$"):
        list(read_rows(path))


def test_header_only_gives_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "licensees.csv"
    path.write_text("registration_id,name_en\n", encoding="utf-8")
    assert list(read_rows(path)) == []


def test_row_numbers_count_the_header_as_row_one_and_skip_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "licensees.csv"
    path.write_text("registration_id,name_en\nA,Alpha\n\nB,Beta\n,\nC,Gamma\n", encoding="utf-8")
    rows = list(read_rows(path))
    assert [(r.number, r.values["registration_id"]) for r in rows] == [(2, "A"), (4, "B"), (6, "C")]


def test_headers_are_cleaned(tmp_path: Path) -> None:
    assert clean_header(" Model Number ") == "model_number"
    assert clean_header("\ufeffENERGY STAR Unique ID") == "energy_star_unique_id"
    assert clean_header(None) == ""
    path = tmp_path / "x.csv"
    path.write_text("\ufeffRegistration ID, Name EN \nA,Alpha\n", encoding="utf-8")
    assert list(read_rows(path)) == [Row(2, {"registration_id": "A", "name_en": "Alpha"})]


def test_short_rows_are_padded(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b,c\n1\n", encoding="utf-8")
    assert list(read_rows(path)) == [Row(2, {"a": "1", "b": "", "c": ""})]


def test_tab_separated(tmp_path: Path) -> None:
    path = tmp_path / "x.tsv"
    path.write_text("registration_id\tname_en\nA\tAlpha, Inc.\n", encoding="utf-8")
    assert list(read_rows(path)) == [Row(2, {"registration_id": "A", "name_en": "Alpha, Inc."})]


def test_quoted_cells_with_commas_and_newlines(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text('a,b\n"1, 2","line\nbreak"\n3,4\n', encoding="utf-8")
    rows = list(read_rows(path))
    assert rows[0].values == {"a": "1, 2", "b": "line\nbreak"}
    assert rows[1].values == {"a": "3", "b": "4"}


def test_invalid_bytes_after_the_sniffed_block_name_the_row(tmp_path: Path) -> None:
    body = "".join(f"ID{i:06d},Company {i}\n" for i in range(20000))
    path = tmp_path / "late.csv"
    path.write_bytes(("registration_id,name_en\n" + body).encode() + b"BAD,\xff\xfe\n")
    assert path.stat().st_size > 256 * 1024
    with pytest.raises(DataError) as caught:
        list(read_rows(path))
    # the header is line 1, the 20,000 good rows lines 2..20001
    assert str(caught.value) == (
        "late.csv: line 20002: not valid utf-8 text (invalid start byte); save the file as UTF-8"
    )


def test_invalid_gbk_bytes_late_in_the_file_name_their_line(tmp_path: Path) -> None:
    body = "".join(f"ID{i:06d},企业{i}\n" for i in range(30000)).encode("gbk")
    path = tmp_path / "late-gbk.csv"
    path.write_bytes("registration_id,name_zh\n".encode("gbk") + body + b"BAD,\x81\x20\n" + b"OK,x\n")
    with pytest.raises(DataError, match=r"^late-gbk\.csv: line 30002: not valid gb18030 text"):
        list(read_rows(path))


@pytest.mark.parametrize("name", ["data.json", "data.xls", "data"])
def test_unsupported_extension(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    suffix = path.suffix or "(none)"
    with pytest.raises(DataError) as caught:
        list(read_rows(path))
    assert str(caught.value) == f"{name}: unsupported file type {suffix}; use .csv or .xlsx"


def test_progress_reports_bytes(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.csv", "utf-8")
    seen: list[int] = []
    list(read_rows(path, progress=seen.append))
    assert seen and seen[-1] == path.stat().st_size


# --- XLSX ----------------------------------------------------------------------------------------


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_xlsx_rows_with_dates_and_numbers(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "certificates.xlsx",
        [
            ["Number", "Issued On", "Expires On", "Count", "Ratio", "Note"],
            ["CEC-1", dt.date(2021, 3, 5), dt.datetime(2024, 3, 4, 0, 0), 12, 2.5, "  联想  "],
            [None, None, None, None, None, None],
            ["CEC-2", "2021/3/6", None, 7.0, 0.25, None],
        ],
    )
    rows = list(read_rows(path))
    assert rows == [
        Row(
            2,
            {
                "number": "CEC-1",
                "issued_on": "2021-03-05",
                "expires_on": "2024-03-04",
                "count": "12",
                "ratio": "2.5",
                "note": "联想",
            },
        ),
        Row(
            4,
            {
                "number": "CEC-2",
                "issued_on": "2021/3/6",
                "expires_on": "",
                "count": "7",
                "ratio": "0.25",
                "note": "",
            },
        ),
    ]


def test_xlsx_header_only_gives_no_rows(tmp_path: Path) -> None:
    assert list(read_rows(_xlsx(tmp_path / "x.xlsx", [["registration_id", "name_en"]]))) == []


def test_xlsx_empty_sheet(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "empty.xlsx", [])
    with pytest.raises(DataError, match=r"^empty\.xlsx: the first sheet is empty$"):
        list(read_rows(path))


def test_not_really_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"^fake\.xlsx: not a readable XLSX workbook: "):
        list(read_rows(path))

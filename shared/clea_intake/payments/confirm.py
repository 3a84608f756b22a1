"""Reading the finance department's payment confirmation file (the exported CSV, possibly re-saved)."""

from __future__ import annotations

import csv
import io
import re

# Either column identifies a payment; order_id wins when both are present, being one order exactly.
ID_COLUMNS = ("order_id", "case_id")
_CASE_ID = re.compile(r"^NA-CLEA-\d{4}-\d{6}$")
_ORDER_ID = re.compile(r"^\S{1,100}$")
_DELIMITERS = (";", "\t", ",")


class InvalidConfirmationFile(ValueError):
    """The confirmation file cannot be trusted; `line` (1-based) and `column` say where, when known."""

    def __init__(self, message: str, *, line: int | None = None, column: str | None = None) -> None:
        where = []
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)
        self.line = line
        self.column = column


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode text" export.
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # A French Excel re-saving "CSV (séparateur: point-virgule)" writes Windows-1252.
        return data.decode("cp1252", "replace")


def _normalise_header(cell: str) -> str:
    return re.sub(r"[\s\-]+", "_", cell.strip().strip('"').strip().lower())


def parse_confirmation(data: bytes) -> list[str]:
    """The identifiers confirmed paid, distinct and in file order.

    Accepts the CSV written by `to_csv` (BOM, semicolons) and the usual re-saves of it (no BOM,
    Windows-1252, tabs or commas), with an `order_id` or a `case_id` column. Blank rows are skipped;
    anything else doubtful raises InvalidConfirmationFile naming the line and column.
    """
    try:
        text = _decode(data)
    except UnicodeDecodeError as exc:
        raise InvalidConfirmationFile(f"not readable text ({exc.reason})") from None
    if not text.strip():
        raise InvalidConfirmationFile("empty file: expected a header row with order_id or case_id")

    first_line = text.lstrip("\r\n").splitlines()[0]
    for delimiter in _DELIMITERS:
        header = [_normalise_header(c) for c in next(csv.reader([first_line], delimiter=delimiter))]
        column = next((name for name in ID_COLUMNS if name in header), None)
        if column is not None:
            break
    else:
        raise InvalidConfirmationFile(
            f"no order_id or case_id column in the header ({first_line[:80]!r})", line=1
        )
    index = header.index(column)

    reader = csv.reader(io.StringIO(text.lstrip("\r\n"), newline=""), delimiter=delimiter)
    next(reader)
    found: dict[str, None] = {}
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if index >= len(row):
                raise InvalidConfirmationFile(
                    f"the row has {len(row)} field(s), the {column} column is field {index + 1}",
                    line=line,
                    column=column,
                )
            value = row[index].strip()
            if not value:
                raise InvalidConfirmationFile("empty identifier", line=line, column=column)
            pattern = _CASE_ID if column == "case_id" else _ORDER_ID
            if not pattern.match(value):
                raise InvalidConfirmationFile(
                    f"malformed identifier {value[:40]!r}", line=line, column=column
                )
            found.setdefault(value, None)
    except csv.Error as exc:
        raise InvalidConfirmationFile(f"CSV syntax error ({exc})", line=reader.line_num) from None
    return list(found)

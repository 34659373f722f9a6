"""Streaming raw records out of log files, with bounded memory.

A reader yields :class:`RawRecord` objects one at a time: the 1-based line (or
Parquet row) number, and either the parsed JSON value or the error that stopped
it from being parsed. Nothing is read ahead beyond one line (JSON Lines, capped
at ``max_line_bytes``) or one Parquet record batch, so a file of any size streams
through a few megabytes of memory.
"""

from __future__ import annotations

import gzip
import io
import os
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from antidistill.events.validate import BadRecord

#: Default cap on one input line; a longer line is quarantined, not parsed.
DEFAULT_MAX_LINE_BYTES = 4 * 1024 * 1024
#: How much of a bad line is kept in the quarantine.
RAW_KEEP_CHARS = 16 * 1024
_SKIP_CHUNK = 1024 * 1024
#: Decompressed bytes a gzip stream is read through (the scan loader's fast
#: reader keeps to the same windows: see ``antidistill.events.sql_load``).
GZIP_BUFFER = 1 << 20
_PARQUET_BATCH_ROWS = 8192


@dataclass(slots=True)
class RawRecord:
    """One input record: its value if it parsed, else the error; plus the raw text."""

    line: int
    value: Any = None
    error: BadRecord | None = None
    raw: bytes | str | None = None

    def raw_text(self) -> str:
        """The raw input as text (invalid UTF-8 replaced), cut to a sane length."""
        raw = self.raw
        if raw is None:
            return ""
        cut = raw[:RAW_KEEP_CHARS]
        if isinstance(cut, bytes):
            text = cut.rstrip(b"\r\n").decode("utf-8", errors="replace")
        else:
            text = cut
        if len(raw) > RAW_KEEP_CHARS:
            text += f"...[truncated, {len(raw)} bytes or more in all]"
        return text


def file_kind(path: Path) -> str:
    """``parquet``, ``gzip`` or ``jsonl``, from the name and then the magic bytes."""
    name = path.name.lower()
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    if name.endswith(".gz"):
        return "gzip"
    with path.open("rb") as fh:
        head = fh.read(4)
        if head[:3] == b"\x1f\x8b\x08":  # gzip member, deflate: a misnamed .gz
            return "gzip"
        if head == b"PAR1" and path.stat().st_size >= 8:
            fh.seek(-4, os.SEEK_END)
            if fh.read(4) == b"PAR1":  # Parquet starts and ends with its magic
                return "parquet"
    return "jsonl"


class Source:
    """An opened input file: iterate its records; ``position`` is bytes read so far."""

    def __init__(self, path: str | os.PathLike, *, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> None:
        self.path = Path(path)
        self.max_line_bytes = max_line_bytes
        self.kind = file_kind(self.path)
        self.size = self.path.stat().st_size
        self._raw: BinaryIO | None = None
        self._parquet_pos = 0

    @property
    def position(self) -> int:
        """Bytes of the file consumed (compressed bytes for gzip)."""
        if self.kind == "parquet":
            return self._parquet_pos
        if self._raw is None or self._raw.closed:
            return self.size
        return self._raw.tell()

    def __iter__(self) -> Iterator[RawRecord]:
        if self.kind == "parquet":
            yield from self._parquet_records()
        else:
            yield from self._line_records()

    # -- JSON Lines, plain or gzip ------------------------------------------
    def _line_records(self) -> Iterator[RawRecord]:
        limit = self.max_line_bytes
        with self.path.open("rb") as raw:
            self._raw = raw
            stream: BinaryIO = raw
            if self.kind == "gzip":
                stream = io.BufferedReader(gzip.GzipFile(fileobj=raw, mode="rb"), GZIP_BUFFER)
            readline = stream.readline
            number = 0
            while True:
                try:
                    line = readline(limit + 1)
                except (OSError, EOFError, gzip.BadGzipFile) as exc:
                    # A truncated or corrupt gzip stream: report it as one bad record
                    # at the line where it broke and stop reading this file.
                    yield RawRecord(number + 1, error=BadRecord(None, "corrupt_file", f"cannot read further: {exc}"))
                    return
                if not line:
                    return
                number += 1
                if len(line) > limit and not line.endswith(b"\n"):
                    yield RawRecord(number, raw=line[:RAW_KEEP_CHARS], error=self._skip_long(readline, len(line)))
                    continue
                if not line.strip():
                    # Blank lines (a trailing newline, an empty file with "\n") carry
                    # no record; they are counted by the caller as blank, not bad.
                    yield RawRecord(number, value=_BLANK)
                    continue
                try:
                    value = orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    yield RawRecord(number, raw=line, error=_decode_error(line, exc))
                    continue
                yield RawRecord(number, value=value, raw=line)

    def _skip_long(self, readline, seen: int) -> BadRecord:
        """Discard the rest of an over-long line without holding it in memory."""
        total = seen
        while True:
            try:
                chunk = readline(_SKIP_CHUNK)
            except (OSError, EOFError):
                break
            total += len(chunk)
            if not chunk or chunk.endswith(b"\n"):
                break
        return BadRecord(None, "line_too_long", f"line is {total} bytes, over the limit of {self.max_line_bytes} (--max-line-bytes)")

    # -- Parquet ------------------------------------------------------------
    def _parquet_records(self) -> Iterator[RawRecord]:
        import pyarrow.parquet as pq

        try:
            pf = pq.ParquetFile(self.path)
        except Exception as exc:  # pyarrow raises several types for a bad footer
            yield RawRecord(1, error=BadRecord(None, "corrupt_file", f"not a readable Parquet file: {exc}"))
            return
        struct_cols = {
            f.name for f in pf.schema_arrow if f.name in ("request", "response") and not _is_string(f.type)
        }
        total_rows = max(pf.metadata.num_rows, 1)
        number = 0
        for batch in pf.iter_batches(batch_size=_PARQUET_BATCH_ROWS):
            for row in batch.to_pylist():
                number += 1
                for col in ("request", "response"):
                    value = row.get(col)
                    if col in struct_cols:
                        # Struct columns carry every key of the union schema, null
                        # where a row lacks it: drop those so the body reads as sent.
                        row[col] = _strip_nulls(value)
                    elif isinstance(value, str):
                        try:
                            row[col] = orjson.loads(value)
                        except orjson.JSONDecodeError as exc:
                            yield RawRecord(number, raw=_row_text(row), error=BadRecord(col, "not_json", f"{col} is not valid JSON: {exc}"))
                            break
                else:
                    yield RawRecord(number, value=row)
            self._parquet_pos = int(self.size * min(number / total_rows, 1.0))
        self._parquet_pos = self.size


_BLANK = object()


def is_blank(record: RawRecord) -> bool:
    return record.value is _BLANK


def _is_string(arrow_type) -> bool:
    import pyarrow as pa

    return pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type)


def _strip_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip_nulls(v) for v in value]
    return value


def _row_text(row: dict) -> str:
    return orjson.dumps(row, default=str).decode()


def _decode_error(line: bytes, exc: Exception) -> BadRecord:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as ude:
        return BadRecord(None, "invalid_utf8", f"invalid UTF-8 at byte {ude.start}")
    return BadRecord(None, "not_json", f"not valid JSON: {exc}")


def peek_values(path: Path, *, max_records: int = 5, max_bytes: int = DEFAULT_MAX_LINE_BYTES) -> list[Any]:
    """The first few parsed records of a file, for format detection."""
    found: list[Any] = []
    with closing(iter(Source(path, max_line_bytes=max_bytes))) as records:
        for record in records:
            if record.error is None and not is_blank(record):
                found.append(record.value)
            if len(found) >= max_records or record.line >= 50:
                break
    return found

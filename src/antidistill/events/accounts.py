"""Reading ``accounts.jsonl`` (spec section 2) into an Arrow table of ACCOUNT_SCHEMA."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from antidistill.events.readers import DEFAULT_MAX_LINE_BYTES, Source, is_blank
from antidistill.events.schema import ACCOUNT_SCHEMA
from antidistill.events.stream import QuarantineRecord
from antidistill.events.validate import BadRecord, json_type, opt_str, parse_ts, req_str

_TEXT_FIELDS = ("email_domain", "payment_fingerprint", "declared_org", "country", "tier")


@dataclass
class AccountsRead:
    """The accounts that parsed (last line wins for a repeated id) and the bad lines."""

    table: pa.Table
    lines: int = 0
    duplicates: int = 0
    quarantined: list[QuarantineRecord] = field(default_factory=list)


def account_row(value: object) -> tuple:
    """Check one accounts.jsonl object; its row in ACCOUNT_SCHEMA order."""
    if type(value) is not dict:
        raise BadRecord(None, "wrong_type", f"expected object, got {json_type(value)}")
    account_id = req_str(value, "account_id", "account_id")
    created = value.get("created")
    created = parse_ts(created, "created") if created is not None else None
    return (account_id, created, *(opt_str(value, k, k) for k in _TEXT_FIELDS))


def read_accounts(path: str | os.PathLike, *, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> AccountsRead:
    """Read an accounts file. Memory grows with the number of accounts (one row
    each), not with line sizes; bad lines are returned, never raised."""
    path = Path(path)
    source_name = str(path.resolve())
    rows: dict[str, tuple] = {}
    out = AccountsRead(table=ACCOUNT_SCHEMA.empty_table())
    for record in Source(path, max_line_bytes=max_line_bytes):
        out.lines += 1
        if is_blank(record):
            continue
        bad = record.error
        if bad is None:
            try:
                row = account_row(record.value)
            except BadRecord as exc:
                bad = exc
            else:
                if row[0] in rows:
                    out.duplicates += 1
                rows[row[0]] = row
                continue
        out.quarantined.append(
            QuarantineRecord(source_name, record.line, bad.field, bad.kind, bad.reason, record.raw_text())
        )
    if rows:
        columns = list(zip(*rows.values()))
        out.table = pa.Table.from_arrays(
            [pa.array(c, type=f.type) for c, f in zip(columns, ACCOUNT_SCHEMA)], schema=ACCOUNT_SCHEMA
        )
    return out

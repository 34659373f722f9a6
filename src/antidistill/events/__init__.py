"""Ingestion: the stage that turns request logs into the normalised event store.

It owns reading logs (``events.jsonl``, ``.jsonl.gz``, Parquet as in
``shared/spec/traffic-log.md``, plus LiteLLM proxy logs and OpenTelemetry GenAI
spans through adapters), checking every line (bad ones are quarantined with
file, line, field and reason, never dropped or fatal), flattening requests into
EVENT_SCHEMA, and landing events, accounts, quarantine and run records in a
DuckDB file. Later stages read the ``events``/``accounts`` tables or stream
Arrow batches with :func:`iter_event_batches`.
"""

from __future__ import annotations

from antidistill.events.accounts import AccountsRead, read_accounts
from antidistill.events.adapters import FORMATS
from antidistill.events.readers import DEFAULT_MAX_LINE_BYTES
from antidistill.events.schema import ACCOUNT_SCHEMA, ENDPOINTS, EVENT_SCHEMA, QUARANTINE_SCHEMA
from antidistill.events.sql_load import Loaded, load_events
from antidistill.events.store import IngestSummary, ingest, open_store
from antidistill.events.stream import (
    EventStream,
    FileSummary,
    QuarantineRecord,
    Summary,
    TooManyBadRecords,
    ValidationSummary,
    iter_event_batches,
    run_validation,
)
from antidistill.events.validate import BadRecord, flatten_event



def validate(paths, *, fmt: str = "auto", max_bad: int | None = None, **options) -> ValidationSummary:
    """Check files without storing anything.

    Returns a :class:`ValidationSummary`: all counts, and the first bad records
    (``keep=1000``; ``on_bad=callable`` sees every one; ``quarantine_path=``
    writes them all as JSONL). Duplicate request ids are counted, which keeps
    one set of ids in memory.
    """
    return run_validation(paths, fmt=fmt, max_bad=max_bad, **options)


__all__ = [
    "ACCOUNT_SCHEMA",
    "DEFAULT_MAX_LINE_BYTES",
    "ENDPOINTS",
    "EVENT_SCHEMA",
    "FORMATS",
    "QUARANTINE_SCHEMA",
    "AccountsRead",
    "BadRecord",
    "EventStream",
    "FileSummary",
    "IngestSummary",
    "Loaded",
    "QuarantineRecord",
    "Summary",
    "TooManyBadRecords",
    "ValidationSummary",
    "flatten_event",
    "ingest",
    "iter_event_batches",
    "load_events",
    "open_store",
    "read_accounts",
    "validate",
]

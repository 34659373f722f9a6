"""Adapters: map one raw log record of some format onto spec-format events.

Every adapter module defines one :class:`Adapter` subclass. ``to_events`` takes
one parsed record (a line of the input) and yields, for each exchange it holds,
either a dict shaped like a line of ``events.jsonl`` (``shared/spec/traffic-log.md``),
a :class:`~antidistill.events.validate.BadRecord` for a part it could not map,
or a :class:`Skip` for a part that is not an API exchange (a non-GenAI span).
Raising ``BadRecord`` rejects the whole record. Checking and flattening is then
shared (:func:`antidistill.events.validate.flatten_event`), so adding a format
means adding one module here and one line to :data:`ADAPTERS`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from antidistill.events.validate import BadRecord


@dataclass(frozen=True, slots=True)
class Skip:
    """A part of a record that is not an event, with why (counted, not quarantined)."""

    reason: str


class Adapter:
    """Base class: the format's name, a content sniffer, and the mapping."""

    name = "?"

    def __init__(self, *, account_field: str | None = None) -> None:
        self.account_field = account_field

    @staticmethod
    def sniff(value: Any) -> bool:
        """Whether one parsed record looks like this format."""
        raise NotImplementedError

    def to_events(self, value: Any) -> Iterator[dict | BadRecord | Skip]:
        raise NotImplementedError


def dig(obj: Any, *keys: str) -> Any:
    """obj[k1][k2]... or None when any level is missing or not an object."""
    for key in keys:
        if type(obj) is not dict:
            return None
        obj = obj.get(key)
    return obj


def _registry() -> dict[str, type[Adapter]]:
    from antidistill.events.adapters.litellm import LiteLLMAdapter
    from antidistill.events.adapters.otel import OtelAdapter
    from antidistill.events.adapters.spec import SpecAdapter

    # Order matters for auto-detection: the most specific sniffers first.
    return {a.name: a for a in (OtelAdapter, LiteLLMAdapter, SpecAdapter)}


ADAPTERS: dict[str, type[Adapter]] = _registry()
FORMATS = ("auto", *ADAPTERS)


def detect_format(samples: Iterable[Any]) -> str:
    """Name of the first adapter that recognises the sample records; ``spec`` by default."""
    samples = list(samples)
    for name, adapter in ADAPTERS.items():
        if any(adapter.sniff(v) for v in samples):
            return name
    return "spec"


def get_adapter(name: str, *, account_field: str | None = None) -> Adapter:
    try:
        cls = ADAPTERS[name]
    except KeyError:
        raise ValueError(f"unknown format {name!r}; expected one of {', '.join(FORMATS)}") from None
    return cls(account_field=account_field)

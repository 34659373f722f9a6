"""The native format: a line already is a spec event (``shared/spec/traffic-log.md``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from antidistill.events.adapters import Adapter
from antidistill.events.validate import BadRecord, json_type


class SpecAdapter(Adapter):
    name = "spec"

    @staticmethod
    def sniff(value: Any) -> bool:
        return type(value) is dict and "request" in value and "endpoint" in value

    def to_events(self, value: Any) -> Iterator[dict]:
        if type(value) is not dict:
            raise BadRecord(None, "wrong_type", f"expected an event object, got {json_type(value)}")
        yield value

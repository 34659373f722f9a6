"""OpenTelemetry GenAI spans in OTLP/JSON (one ``ExportTraceServiceRequest`` per line,
as the Collector's file exporter writes them).

Each span of ``resourceSpans[].scopeSpans[].spans[]`` whose ``gen_ai.operation.name``
is an inference (``chat``, ``generate_content``, ``text_completion``) becomes one
event; other spans (HTTP, tools, embeddings, agents) are counted as skipped.

Attributes follow the GenAI semantic conventions: ``gen_ai.request.model``,
``.temperature``, ``.top_p``, ``.max_tokens``, ``.seed``, ``.choice.count``,
``.stop_sequences``; ``gen_ai.usage.input_tokens``/``output_tokens``;
``gen_ai.response.finish_reasons``; content when captured, either as the current
``gen_ai.system_instructions``/``gen_ai.input.messages``/``gen_ai.output.messages``
(role + ``parts`` of ``{"type": "text", "content": ...}``, structured or as a JSON
string), or the older ``gen_ai.prompt``/``gen_ai.completion`` (JSON string, or
indexed ``gen_ai.prompt.0.role``/``.content``), or the older span events
``gen_ai.{system,user,assistant}.message``/``gen_ai.choice`` and
``gen_ai.content.prompt``/``gen_ai.content.completion``. The caller's address is
``client.address``; the account is read from a configurable attribute (span
first, then resource), by default the first of ``enduser.id``, ``user.id``.

The request id is ``traceId-spanId``; ``ts`` is the span start; latency is its
duration; status is 200 unless the span status is ERROR (then ``error.type`` or
``http.response.status_code`` if numeric, else 500).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import orjson

from antidistill.events.adapters import Adapter, Skip, dig
from antidistill.events.schema import ENDPOINTS
from antidistill.events.validate import BadRecord, json_type

CHAT, COMPLETIONS, _ = ENDPOINTS

DEFAULT_ACCOUNT_ATTRIBUTES = ("enduser.id", "user.id")
_OPERATIONS = {"chat": CHAT, "generate_content": CHAT, "text_completion": COMPLETIONS}
_STATUS_ERROR = 2  # OTLP Status.code: 0 unset, 1 ok, 2 error
_EPOCH = datetime(1970, 1, 1)


def any_value(value: Any) -> Any:
    """An OTLP/JSON ``AnyValue`` -> plain Python value."""
    if type(value) is not dict:
        return None
    if "stringValue" in value:
        return value["stringValue"]
    if "intValue" in value:  # int64 travels as a decimal string in OTLP/JSON
        try:
            return int(value["intValue"])
        except (TypeError, ValueError):
            return None
    if "doubleValue" in value:
        return value["doubleValue"]
    if "boolValue" in value:
        return value["boolValue"]
    if "arrayValue" in value:
        values = dig(value, "arrayValue", "values")
        return [any_value(v) for v in values] if type(values) is list else []
    if "kvlistValue" in value:
        return attributes(dig(value, "kvlistValue", "values"))
    if "bytesValue" in value:
        return value["bytesValue"]
    return None


def attributes(kvs: Any) -> dict[str, Any]:
    """An OTLP/JSON ``KeyValue`` list -> dict."""
    out: dict[str, Any] = {}
    if type(kvs) is list:
        for kv in kvs:
            if type(kv) is dict and type(kv.get("key")) is str:
                out[kv["key"]] = any_value(kv.get("value"))
    return out


def _maybe_json(value: Any) -> Any:
    if type(value) is str:
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


def _parts_text(message: dict) -> str | None:
    """Text of a semconv message: its text parts joined (or a plain ``content``)."""
    parts = message.get("parts")
    if type(parts) is list:
        texts = [
            p.get("content") for p in parts
            if type(p) is dict and p.get("type") == "text" and type(p.get("content")) is str
        ]
        return "\n".join(texts) if texts else None
    content = message.get("content")
    if type(content) is str or content is None:
        return content
    return orjson.dumps(content).decode()


def _messages(value: Any) -> list[dict] | None:
    value = _maybe_json(value)
    if type(value) is not list:
        return None
    out = []
    for m in value:
        if type(m) is dict:
            out.append({"role": m.get("role") if type(m.get("role")) is str else "user",
                        "content": _parts_text(m)})
    return out


def _indexed(attrs: dict, prefix: str) -> list[dict] | None:
    """Traceloop-style ``prefix.0.role``/``prefix.0.content`` attributes -> messages."""
    found: dict[int, dict] = {}
    plen = len(prefix) + 1
    for key, value in attrs.items():
        if key.startswith(prefix + "."):
            index, _, leaf = key[plen:].partition(".")
            if index.isdecimal() and leaf in ("role", "content", "finish_reason"):
                found.setdefault(int(index), {})[leaf] = value
    if not found:
        return None
    return [{"role": "user", **found[i]} for i in sorted(found)]


def _from_events(events: Any) -> tuple[list[dict], list[dict]]:
    """Input and output messages from the older per-message span events."""
    inputs: list[dict] = []
    outputs: list[dict] = []
    if type(events) is not list:
        return inputs, outputs
    for event in events:
        if type(event) is not dict:
            continue
        name = event.get("name")
        attrs = attributes(event.get("attributes"))
        if name == "gen_ai.content.prompt":
            inputs.extend(_messages(attrs.get("gen_ai.prompt")) or [])
        elif name == "gen_ai.content.completion":
            outputs.extend(_messages(attrs.get("gen_ai.completion")) or [])
        elif name in ("gen_ai.system.message", "gen_ai.user.message", "gen_ai.assistant.message", "gen_ai.tool.message"):
            role = name.split(".")[1]
            content = attrs.get("content", _maybe_json(attrs.get("gen_ai.event.content")))
            if type(content) is dict:
                content = content.get("content")
            inputs.append({"role": role, "content": content if type(content) is str else None})
        elif name == "gen_ai.choice":
            message = _maybe_json(attrs.get("message", attrs.get("gen_ai.event.content")))
            content = message.get("content") if type(message) is dict else attrs.get("content")
            outputs.append({"role": "assistant", "content": content if type(content) is str else None,
                            "finish_reason": attrs.get("finish_reason")})
    return inputs, outputs


def _nanos(value: Any, field: str) -> int:
    try:
        return int(value)  # fixed64 travels as a decimal string in OTLP/JSON
    except (TypeError, ValueError):
        kind = "missing_field" if value is None else "wrong_type"
        raise BadRecord(field, kind, f"expected unix nanoseconds, got {json_type(value)}") from None


def _status(span: dict, attrs: dict) -> int:
    http_status = attrs.get("http.response.status_code")
    if dig(span, "status", "code") not in (_STATUS_ERROR, "STATUS_CODE_ERROR"):
        return http_status if type(http_status) is int and 100 <= http_status <= 599 else 200
    for candidate in (attrs.get("error.type"), http_status):
        try:
            code = int(candidate)
        except (TypeError, ValueError):
            continue
        if 100 <= code <= 599:
            return code
    return 500


class OtelAdapter(Adapter):
    name = "otel"

    @staticmethod
    def sniff(value: Any) -> bool:
        return type(value) is dict and "resourceSpans" in value

    def to_events(self, value: Any) -> Iterator[dict | BadRecord | Skip]:
        resource_spans = value.get("resourceSpans") if type(value) is dict else None
        if type(resource_spans) is not list:
            raise BadRecord("resourceSpans", "wrong_type", "expected an OTLP/JSON export with a resourceSpans array")
        for r, rs in enumerate(resource_spans):
            resource = attributes(dig(rs, "resource", "attributes"))
            scope_spans = dig(rs, "scopeSpans") or []
            for s, ss in enumerate(scope_spans if type(scope_spans) is list else []):
                spans = dig(ss, "spans") or []
                for i, span in enumerate(spans if type(spans) is list else []):
                    where = f"resourceSpans[{r}].scopeSpans[{s}].spans[{i}]"
                    try:
                        yield self._span(span, resource, where)
                    except BadRecord as bad:
                        bad.field = f"{where}.{bad.field}" if bad.field else where
                        yield bad

    def _account(self, attrs: dict, resource: dict) -> Any:
        names = (self.account_field,) if self.account_field else DEFAULT_ACCOUNT_ATTRIBUTES
        for name in names:
            for source in (attrs, resource):
                if source.get(name) not in (None, ""):
                    return source[name]
        raise BadRecord(f"attributes.{names[0]}", "missing_field",
                        f"no account id: none of {', '.join(names)} is set on the span or resource")

    def _span(self, span: Any, resource: dict, where: str) -> dict | Skip:
        if type(span) is not dict:
            raise BadRecord(None, "wrong_type", f"expected span object, got {json_type(span)}")
        attrs = attributes(span.get("attributes"))
        operation = attrs.get("gen_ai.operation.name")
        endpoint = _OPERATIONS.get(operation) if type(operation) is str else None
        if endpoint is None:
            return Skip(f"not a GenAI inference span ({str(operation)[:40] if operation else 'no gen_ai.operation.name'})")

        start = _nanos(span.get("startTimeUnixNano"), "startTimeUnixNano")
        end = span.get("endTimeUnixNano")
        latency = (_nanos(end, "endTimeUnixNano") - start) / 1e6 if end is not None else None
        try:
            ts = _EPOCH + timedelta(microseconds=start // 1000)
        except OverflowError:
            raise BadRecord("startTimeUnixNano", "bad_timestamp", f"{start} is out of range") from None

        inputs = _messages(attrs.get("gen_ai.input.messages"))
        outputs = _messages(attrs.get("gen_ai.output.messages"))
        if outputs is not None:  # finish_reason lives on each output message
            raw_out = _maybe_json(attrs.get("gen_ai.output.messages"))
            for msg, raw in zip(outputs, raw_out):
                msg["finish_reason"] = raw.get("finish_reason") if type(raw) is dict else None
        if inputs is None:
            inputs = _messages(attrs.get("gen_ai.prompt")) or _indexed(attrs, "gen_ai.prompt")
        if outputs is None:
            outputs = _messages(attrs.get("gen_ai.completion")) or _indexed(attrs, "gen_ai.completion")
        if inputs is None and outputs is None:
            ev_in, ev_out = _from_events(span.get("events"))
            inputs, outputs = ev_in or None, ev_out or None
        system = _maybe_json(attrs.get("gen_ai.system_instructions"))
        if type(system) is list:
            text = "\n".join(p.get("content") for p in system
                             if type(p) is dict and type(p.get("content")) is str)
            inputs = [{"role": "system", "content": text}, *(inputs or [])]
        elif type(system) is str:
            inputs = [{"role": "system", "content": system}, *(inputs or [])]

        request: dict[str, Any] = {}
        for key, attr in (
            ("model", "gen_ai.request.model"), ("temperature", "gen_ai.request.temperature"),
            ("top_p", "gen_ai.request.top_p"), ("max_tokens", "gen_ai.request.max_tokens"),
            ("seed", "gen_ai.request.seed"), ("n", "gen_ai.request.choice.count"),
            ("stop", "gen_ai.request.stop_sequences"),
        ):
            if attrs.get(attr) is not None:
                request[key] = attrs[attr]
        tools = _maybe_json(attrs.get("gen_ai.tool.definitions"))
        if type(tools) is list:
            request["tools"] = tools
        if endpoint == CHAT:
            request["messages"] = [{"role": m.get("role"), "content": m.get("content")} for m in inputs or []]
        else:
            users = [m for m in inputs or [] if m.get("role") == "user"]
            request["prompt"] = users[-1]["content"] if users else None

        status = _status(span, attrs)
        response = None
        if status < 400:
            finish = attrs.get("gen_ai.response.finish_reasons")
            first = (outputs or [None])[0]
            choice: dict[str, Any] = {"index": 0}
            if first is not None:
                if endpoint == CHAT:
                    choice["message"] = {"role": "assistant", "content": first.get("content")}
                else:
                    choice["text"] = first.get("content")
            reason = first.get("finish_reason") if first else None
            if reason is None and type(finish) is list and finish:
                reason = finish[0]
            choice["finish_reason"] = reason if type(reason) is str else None
            usage = {}
            for key, names in (("prompt_tokens", ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens")),
                               ("completion_tokens", ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"))):
                for name in names:
                    if attrs.get(name) is not None:
                        usage[key] = attrs[name]
                        break
            response = {"choices": [choice]}
            if attrs.get("gen_ai.response.id") is not None:
                response["id"] = attrs["gen_ai.response.id"]
            if usage:
                response["usage"] = usage

        return {
            "request_id": f"{span.get('traceId', '')}-{span.get('spanId', '')}".strip("-") or None,
            "ts": ts,
            "account_id": self._account(attrs, resource),
            "client_ip": attrs.get("client.address", resource.get("client.address")),
            "user_agent": attrs.get("user_agent.original"),
            "endpoint": endpoint,
            "request": request,
            "response": response,
            "status": status,
            "latency_ms": latency,
        }

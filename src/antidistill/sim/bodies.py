"""Request and response bodies in the provider's API shapes (OpenAI chat/completions, KServe).

Also the pieces of a model the simulator needs to answer plausibly: a token
counter, a synthetic vocabulary for logprobs and logit_bias, deterministic
"true" logits for logit-extraction queries (so repeated queries agree, which is
exactly what such an attack exploits), latency and failures.
"""

from __future__ import annotations

import math
import random

from antidistill.sim.infra import hex_id

CHAT_MODELS = ["nova-2", "nova-2-mini", "nova-2-reasoning", "nova-1.5", "nova-1.5-mini"]
COMPLETION_MODEL = "nova-instruct-1"
VOCAB_SIZE = 100_256

_SYLL = ["an", "er", "in", "on", "at", "es", "or", "ti", "al", "re", "ing", "st", "ou", "ch", "ed", "ly",
         "ment", "pro", "con", "de", "ex", "un", "th", "ar", "ic", "ur", "le", "ion", "ab", "ol", "ow", "is",
         "ke", "ra", "mo", "sh", "ul", "em", "ve", "op"]

#: Tokens with a fixed meaning: the labels classification pipelines restrict output to.
LABEL_TOKENS = {
    "31587": " positive", "8389": " negative", "29189": " neutral", "9642": "Yes", "2822": "No",
    "33": "A", "34": "B", "35": "C", "36": "D", "16": "1", "17": "2", "18": "3", "19": "4", "20": "5",
    "44662": " spam", "27396": " ham", "59481": " billing", "73423": " technical", "18602": " account",
}


def vocab_token(token_id: int) -> str:
    """The text of a token id in the synthetic vocabulary (deterministic, no table)."""
    known = LABEL_TOKENS.get(str(token_id))
    if known is not None:
        return known
    parts = []
    x = token_id
    while True:
        parts.append(_SYLL[x % len(_SYLL)])
        x //= len(_SYLL)
        if x == 0:
            break
    text = "".join(parts)
    return (" " + text) if token_id % 3 == 0 else text


def _mix64(x: int) -> int:
    """splitmix64 finaliser: a fixed pseudo-random function of an integer."""
    x = (x + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return x ^ (x >> 31)


def true_logit(context: int, token_id: int) -> float:
    """The model's logit for a token after a given prompt: stable across queries."""
    u = _mix64(context * 1_000_003 + token_id) / 2.0**64
    # Heavy left tail: most tokens are unlikely, as in a real softmax.
    return -2.0 - 9.0 * u * u


def ntok(text: str | None) -> int:
    """Rough token count: ~4 bytes per token for Latin text, ~1.3 per CJK char."""
    if not text:
        return 0
    return len(text.encode("utf-8")) // 4 + 1


def prompt_tokens(messages: list[dict], tools: list | None = None) -> int:
    n = sum(ntok(m.get("content")) + 4 for m in messages) + 3
    if tools:
        n += 60 * len(tools)
    return n


def content_logprobs(rng: random.Random, text: str, top_k: int) -> dict:
    """OpenAI-shaped logprobs for a generated text: one entry per (word-piece) token."""
    pieces = text.split(" ")
    out = []
    for i, p in enumerate(pieces[:256]):
        tok = p if i == 0 else " " + p
        lp = -abs(rng.gauss(0, 0.6)) if rng.random() < 0.8 else -rng.uniform(0.7, 4.0)
        entry = {"token": tok, "logprob": round(lp, 5)}
        if top_k:
            alts = [{"token": tok, "logprob": round(lp, 5)}]
            for _ in range(top_k - 1):
                alts.append({"token": vocab_token(rng.randrange(VOCAB_SIZE)),
                             "logprob": round(lp - rng.uniform(0.5, 8.0), 5)})
            entry["top_logprobs"] = alts
        else:
            entry["top_logprobs"] = []
        out.append(entry)
    return {"content": out}


def biased_next_token(context: int, bias: dict[str, float], top_k: int, rng: random.Random) -> dict:
    """logprobs of a single next token under logit_bias, from fixed true logits.

    Candidates are the biased ids plus a few of the prompt's naturally likely ids;
    the softmax is taken over those plus a mass for "everything else", which is
    what an extraction attack measures.
    """
    cands: dict[int, float] = {}
    for tid_s, b in bias.items():
        tid = int(tid_s)
        cands[tid] = true_logit(context, tid) + float(b)
    for j in range(8):
        tid = _mix64(context * 31 + j) % VOCAB_SIZE
        cands.setdefault(tid, 4.0 - j * 0.7 + true_logit(context, tid) * 0.1)
    rest = 2.0  # log of the mass of the remaining vocabulary
    m = max(max(cands.values()), rest)
    z = m + math.log(sum(math.exp(v - m) for v in cands.values()) + math.exp(rest - m))
    ranked = sorted(cands.items(), key=lambda kv: (-kv[1], kv[0]))
    top = [{"token": vocab_token(t), "logprob": round(v - z, 6)} for t, v in ranked[: max(1, top_k)]]
    chosen = top[0]
    return {"content": [{"token": chosen["token"], "logprob": chosen["logprob"], "top_logprobs": top if top_k else []}]}


def chat_request(model: str, messages: list[dict], **params) -> dict:
    body = {"model": model, "messages": messages}
    for k, v in params.items():
        if v is not None:
            body[k] = v
    return body


def chat_response(
    rng: random.Random, model: str, created_s: int, contents: list[str | None], p_tok: int,
    max_tokens: int | None, logprobs: dict | list | None = None, tool_calls: list | None = None,
) -> tuple[dict, int]:
    """Build an OpenAI chat completion; returns it and the completion token count."""
    choices = []
    total_c = 0
    for i, text in enumerate(contents):
        finish = "stop"
        c_tok = ntok(text) if text is not None else 0
        if tool_calls is not None:
            finish = "tool_calls"
        elif max_tokens == 1:  # one sampled token, whatever its length in characters
            c_tok, finish = 1, "length"
        elif text is not None and max_tokens is not None and c_tok > max_tokens:
            text = text[: max(1, max_tokens * 4)]
            c_tok, finish = max_tokens, "length"
        if tool_calls is not None:
            c_tok += 25 * len(tool_calls)
        total_c += c_tok
        msg = {"role": "assistant", "content": text}
        if tool_calls is not None:
            msg["tool_calls"] = tool_calls
        lp = logprobs[i] if isinstance(logprobs, list) else logprobs
        choices.append({"index": i, "message": msg, "finish_reason": finish, "logprobs": lp})
    resp = {
        "id": "chatcmpl-" + hex_id(rng, 24),
        "object": "chat.completion",
        "created": created_s,
        "model": model,
        "choices": choices,
        "usage": {"prompt_tokens": p_tok, "completion_tokens": total_c, "total_tokens": p_tok + total_c},
    }
    return resp, total_c


def completion_response(rng: random.Random, model: str, created_s: int, text: str, p_tok: int,
                        max_tokens: int | None, logprobs: dict | None = None) -> tuple[dict, int]:
    finish = "stop"
    c_tok = ntok(text)
    if max_tokens == 1:
        c_tok, finish = 1, "length"
    elif max_tokens is not None and c_tok > max_tokens:
        text = text[: max(1, max_tokens * 4)]
        c_tok, finish = max_tokens, "length"
    resp = {
        "id": "cmpl-" + hex_id(rng, 24), "object": "text_completion", "created": created_s, "model": model,
        "choices": [{"index": 0, "text": text, "finish_reason": finish, "logprobs": logprobs}],
        "usage": {"prompt_tokens": p_tok, "completion_tokens": c_tok, "total_tokens": p_tok + c_tok},
    }
    return resp, c_tok


def latency(rng: random.Random, model: str, p_tok: int, c_tok: int) -> float:
    """Time to last byte: queueing + prefill + decode, with a long right tail."""
    per_tok = 0.006 if "mini" in model else 0.03 if "reasoning" in model else 0.014
    base = 120 + p_tok * 0.04 + c_tok * per_tok * 1000
    return round(base * rng.lognormvariate(0, 0.25), 1)


def failure(rng: random.Random, p429: float) -> int | None:
    """Most requests succeed; some are rate-limited, a few are bad or hit a server error."""
    u = rng.random()
    if u < p429:
        return 429
    if u < p429 + 0.002:
        return 500
    if u < p429 + 0.004:
        return 400
    return None

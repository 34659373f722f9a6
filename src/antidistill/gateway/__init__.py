"""The inline gateway: stop theft while it happens, not only find it afterwards.

This stage owns everything that sits in the request path of a provider's
OpenAI-compatible API: the reverse proxy (``/v1/chat/completions``,
``/v1/completions`` with SSE streaming, ``/v1/predict``, ``/v1/models``),
online detection (per-account state updated per exchange, scored in the
background by the same ``respond.scan.score_features`` that ``scan`` uses),
policy actions (monitor, throttle, block, degrade, watermark; the policy's
``actions:`` section), the durable exchange log in the spec's format, shared
state for several instances in Redis, the admin API, metrics and health, a
LiteLLM guardrail that applies the same decisions inside a LiteLLM proxy,
and a small real model server for the live demo.

Public surface:

* :func:`build_app` / :class:`GatewayConfig` - the ASGI app (``antidistill gateway``);
* :class:`OnlineState` - per-account online measurements -> ``FeatureSet``;
* :class:`DetectionCore` - online state plus rescoring, without any server;
* :class:`Actions`, :func:`decide` - verdict -> actions, as the policy says.
"""

from antidistill.gateway.actions import Actions, Decision, Verdict, decide, load_actions
from antidistill.gateway.online import OnlineState

__all__ = ["Actions", "Decision", "DetectionCore", "GatewayConfig", "OnlineState", "Verdict", "build_app", "decide", "load_actions"]


def __getattr__(name: str):
    # The server parts need the gateway extra (starlette, httpx, ...); import
    # them on first use so the online state works without it.
    if name in ("build_app", "GatewayConfig"):
        from antidistill.gateway import app

        return getattr(app, name)
    if name == "DetectionCore":
        from antidistill.gateway.detection import DetectionCore

        return DetectionCore
    raise AttributeError(name)

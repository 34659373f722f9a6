"""Support for the gateway tests (no tests here): servers on free loopback ports, started and stopped cleanly."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import uvicorn
import yaml

from antidistill.policy import default_policy_path

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


class ThreadServer:
    """A uvicorn server for an ASGI app in a background thread (``http``: uvicorn's protocol name or class)."""

    def __init__(self, app, port: int | None = None, http="auto", **config) -> None:
        self.port = port or free_port()
        self.url = f"http://{LOOPBACK}:{self.port}"
        config = uvicorn.Config(app, host=LOOPBACK, port=self.port, log_level="error", access_log=False, lifespan="on", http=http,
                                **config)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ThreadServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


def write_policy(path: Path, actions: dict) -> Path:
    """The default policy with its actions section replaced (merged one level deep)."""
    policy = yaml.safe_load(default_policy_path().read_text())
    merged = dict(policy.get("actions") or {})
    merged.update(actions)
    policy["actions"] = merged
    path.write_text(yaml.safe_dump(policy, allow_unicode=True))
    return path


def write_keys(path: Path, n: int = 8) -> Path:
    import json

    path.write_text(json.dumps({f"sk-{i}": f"acct-{i}" for i in range(n)} | {"sk-attacker": "attacker", "sk-benign": "benign-user"}))
    return path


def chat(prompt: str = "hello", **params) -> dict:
    return {"model": "m", "messages": [{"role": "user", "content": prompt}], **params}


def auth(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


def wait_until(fn, timeout: float = 30.0, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            return value
        time.sleep(interval)


class GatewayProcess:
    """``antidistill gateway`` as a real process (for kill -9 and multi-instance tests)."""

    def __init__(self, *args: str, port: int | None = None, env: dict | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://{LOOPBACK}:{self.port}"
        self.args = ["--listen", f"{LOOPBACK}:{self.port}", *args]
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 90.0) -> GatewayProcess:
        cmd = [sys.executable, "-c", "from antidistill.cli import app; app()", "gateway", *self.args]
        self.proc = subprocess.Popen(cmd, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gateway exited: {self.proc.stderr.read().decode()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            time.sleep(0.2)
        self.kill()
        raise RuntimeError("gateway did not become healthy")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc and self.proc.poll() is None:
            # The whole session: the gateway and its detection worker process.
            os.killpg(self.proc.pid, sig)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)

    def __enter__(self) -> GatewayProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.kill()


class RedisServer:
    """A throwaway redis-server on a free loopback port (no persistence)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"redis://{LOOPBACK}:{self.port}"
        self.proc: subprocess.Popen | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    def start(self) -> RedisServer:
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", LOOPBACK, "--save", "", "--appendonly", "no"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        client = redis.Redis(host=LOOPBACK, port=self.port)
        if not wait_until(lambda: _ping(client), timeout=20):
            raise RuntimeError("redis-server did not start")
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _ping(client) -> bool:
    try:
        return bool(client.ping())
    except Exception:  # noqa: BLE001
        return False

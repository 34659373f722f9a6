"""``antidistill gateway --front nginx``: nginx proxies, Python logs, detects and decides.

The pure-Python gateway spends ~200 us of CPU per proxied request in its
own process (plus its detection worker), which on 2 cores caps it near 40 %
of the throughput of going straight to a fast upstream. With ``--front
nginx`` the request path is nginx (Debian's, with its Lua module): it
proxies, applies block and throttle itself from a table this process keeps,
and writes one record per exchange to a buffered access log. This process
stays beside it for what needs Python:

* **the table** (nginx shared memory, set through a private Unix socket):
  API key -> account, and per account the decision :meth:`Gateway.decision`
  gives - serve (with the decision's log attributes), block (the 403 body,
  made here), throttle (rate, burst, the 429 body; the bucket is nginx's), or
  "P": send the account's requests to this process. An account goes to "P"
  when its decision needs Python: degrade (body rewriting), watermark, a dry
  run (``mode: monitor``), throttling shared through Redis, and - when the
  request names an end user - any account with end-user decisions. The table
  follows every verdict batch, admin override (before the admin call
  returns) and policy reload;
* **the request contract**: nginx serves only bodies it can see are valid
  (``front_lua.fast_check``); anything else comes here, and this process
  refuses it (400 naming the field) or serves it, as without the front;
* **the log**: a tailer thread reads nginx's records every ``flush_ms``,
  turns each into the spec-format line the Python path writes (same fields,
  SSE answers reassembled the same way), appends them to the durable log,
  fsyncs, and then hands them to detection (and Redis) as the Python path
  does. A checkpoint (nginx's record offset and the log position it
  matches) lets a restart resume; lines logged after the checkpoint are not
  written twice;
* admin API, ``/metrics``, ``/healthz`` and ``/v1/models``, which nginx
  passes to this process.

Durability: nginx writes its records every ``flush_ms`` (buffered), so a
crash of nginx loses at most that window; a crash of this process loses
nothing (nginx keeps serving and recording; the restart resumes from the
checkpoint). Records reach the fsynced log within about ``flush_ms`` of
being written while this process keeps up; under saturation the tailer and
detection fall behind, and the backlog is reported on ``/healthz``.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from antidistill.gateway.actions import ALLOW, Decision, Refused
from antidistill.gateway.app import _error_body, _too_large, blocked, first_forwarded, throttled, too_large_declared, unauthorized
from antidistill.gateway.durable import log_files
from antidistill.gateway.front_lua import LUA
from antidistill.gateway.online import END_USER_SEP, utc_now_rfc3339

if TYPE_CHECKING:
    from antidistill.gateway.app import Gateway

log = logging.getLogger("antidistill.gateway.front")
RECORDS = "front-records.jsonl"
#: the record file nginx wrote before it reopened a fresh one (rotation)
RETIRED = "front-records.old.jsonl"
CHECKPOINT = "front-checkpoint.json"
MODULES = Path("/usr/lib/nginx/modules")
PROXIED = ("/v1/chat/completions", "/v1/completions", "/v1/predict")


def nginx_binary() -> str | None:
    """The nginx executable, or None when nginx (with Debian's Lua module) is not installed."""
    exe = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if exe is None or not (MODULES / "ngx_http_lua_module.so").exists() or not list(Path("/usr/lib").glob("*/lua/5.1/cjson.so")):
        return None
    return exe


WORKDIR_PREFIX = "antidistill-front-"


def clean_stale_workdirs(parent: str | None = None) -> int:
    """Remove work directories of fronts that are gone (a gateway killed with -9 leaves its own); returns how many."""
    import tempfile

    removed = 0
    for d in Path(parent or tempfile.gettempdir()).glob(WORKDIR_PREFIX + "*"):
        try:
            if time.time() - d.stat().st_mtime < 60:
                continue  # perhaps a gateway starting right now
            pid = int((d / "nginx.pid").read_text().strip()) if (d / "nginx.pid").exists() else None
            if pid is not None and Path(f"/proc/{pid}").exists():
                continue
        except (OSError, ValueError):
            continue
        shutil.rmtree(d, ignore_errors=True)
        removed += 1
    return removed


def _ms(seconds: float) -> str:
    return f"{max(1, round(seconds * 1000))}ms"


def _body(exc: Refused) -> str:
    return _error_body(exc).decode()


def _die_with_parent() -> None:
    # nginx's master gets SIGTERM when this process dies, even by kill -9:
    # a restarted gateway must find the port free.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class NginxFront:
    """An nginx process serving the proxied endpoints in front of this gateway (see the module doc)."""

    def __init__(self, gw: Gateway, listen: tuple[str, int], app_socket: str, workdir: Path, *, workers: int = 1,
                 rotate_bytes: int = 64 << 20) -> None:
        self.gw = gw
        self.listen = listen
        self.app_socket = app_socket
        self.dir = workdir
        self.workers = workers
        self.log_dir = Path(gw.config.log_dir) if gw.config.log_dir else None
        self.records = (self.log_dir or self.dir) / RECORDS
        self.retired = self.records.with_name(RETIRED)
        #: records are read up to here in the retired file (None: there is none)
        self.retired_offset: int | None = None
        #: past this many bytes of records read, nginx is told to start a new file
        self.rotate_bytes = rotate_bytes
        self._rotated_at = 0.0
        self.ctl = str(self.dir / "ctl.sock")
        self.proc: subprocess.Popen | None = None
        self.pushed: dict[str, str] = {}
        self._table_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        from antidistill.gateway import app

        self._assembler, self._event = app._SSEAssembler, app.exchange_event
        self._loop = None
        self.offset = 0
        self._skip: set[str] = set()
        #: records turned into log lines, and records that could not be
        self.converted = 0
        self.failed = 0

    # --- nginx -------------------------------------------------------------
    def _config(self) -> str:
        cfg = self.gw.config
        actions = self.gw.actions
        up = cfg.upstream.rstrip("/")
        hostport = up.split("://", 1)[1].split("/", 1)[0]
        auth = f'proxy_set_header Authorization "Bearer {cfg.upstream_key}";' if cfg.upstream_key else ""
        upstream_headers = f"""proxy_http_version 1.1; proxy_set_header Connection ""; proxy_pass_request_headers off;
      proxy_set_header Host {hostport}; proxy_set_header Content-Type application/json;
      proxy_set_header Accept-Encoding identity; {auth} proxy_next_upstream off;
      proxy_connect_timeout {_ms(cfg.connect_timeout_s)}; proxy_read_timeout {_ms(cfg.read_timeout_s)};
      proxy_send_timeout {_ms(cfg.read_timeout_s)};"""
        to_python = f"""proxy_pass http://antidistill_python; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header X-Antidistill-Client $remote_addr; proxy_buffering off; proxy_request_buffering on;
      proxy_read_timeout {_ms(cfg.read_timeout_s + 30)}; proxy_send_timeout {_ms(cfg.read_timeout_s + 30)};"""
        d = self.dir
        host, port = self.listen
        listen = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        return f"""daemon off;
master_process on;
worker_processes {self.workers};
pid {d}/nginx.pid;
error_log {d}/nginx-error.log warn;
load_module {MODULES}/ndk_http_module.so;
load_module {MODULES}/ngx_http_lua_module.so;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {d}/body; proxy_temp_path {d}/proxy; fastcgi_temp_path {d}/fcgi;
  uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;
  server_tokens off;
  lua_package_path "{d}/?.lua;;";
  lua_shared_dict antidistill 64m;
  init_by_lua_block {{ antidistill_front = require "antidistill_front"; antidistill_front.init("{d}/front.json") }}
  log_format antidistill escape=none '$ad_record';
  upstream antidistill_model {{ server {hostport}; keepalive 64; keepalive_timeout 4s; }}
  upstream antidistill_python {{ server unix:{self.app_socket}; keepalive 32; }}
  server {{
    listen {listen} backlog=1024;
    keepalive_requests 1000000;
    client_max_body_size {actions.max_body_bytes};
    client_body_buffer_size {actions.max_body_bytes};
    client_body_in_single_buffer on;
    set $ad_record "";
    set $ad_ctx "";
    access_log {self.records} antidistill buffer=64k flush={max(1, int(cfg.flush_ms))}ms if=$ad_record;
    error_page 413 = @antidistill_too_large;
    location = /v1/chat/completions {{ content_by_lua_block {{ antidistill_front.handle() }} }}
    location = /v1/completions {{ content_by_lua_block {{ antidistill_front.handle() }} }}
    location = /v1/predict {{ content_by_lua_block {{ antidistill_front.handle() }} }}
    location /_antidistill_up/ {{
      internal;
      proxy_pass http://antidistill_model/;
      {upstream_headers}
    }}
    location @antidistill_stream {{
      proxy_pass http://antidistill_model$uri;
      {upstream_headers}
      proxy_buffering off;
      header_filter_by_lua_block {{ antidistill_front.stream_header() }}
      body_filter_by_lua_block {{ antidistill_front.stream_body() }}
      log_by_lua_block {{ antidistill_front.stream_log() }}
      error_page 502 = @antidistill_stream_unreachable;
      error_page 504 = @antidistill_stream_timeout;
    }}
    location @antidistill_stream_unreachable {{ set $antidistill_fault unreachable; content_by_lua_block {{ antidistill_front.stream_fault() }} }}
    location @antidistill_stream_timeout {{ set $antidistill_fault timeout; content_by_lua_block {{ antidistill_front.stream_fault() }} }}
    location @antidistill_too_large {{ content_by_lua_block {{ antidistill_front.too_large() }} }}
    location @antidistill_python {{ {to_python} }}
    location / {{ {to_python} }}
  }}
  server {{
    listen unix:{self.ctl};
    client_max_body_size 0;
    client_body_buffer_size 4m;
    location = /table {{ content_by_lua_block {{ antidistill_front.control() }} }}
  }}
}}
"""

    def _lua_config(self) -> dict[str, Any]:
        cfg, actions = self.gw.config, self.gw.actions
        limit = actions.max_body_bytes
        declared = _body(too_large_declared("\x00", limit))
        return {
            "max_body": limit,
            "account_header": cfg.account_header.lower().replace("-", "_") if cfg.account_header else None,
            "trust_forwarded_for": cfg.trust_forwarded_for,
            "unauthorized": _body(unauthorized()),
            "not_post": {p: _body(Refused(405, "method_not_allowed", f"{p} takes POST")) for p in PROXIED},
            "too_large": _body(_too_large(limit)),
            "too_large_declared": declared.split("\\u0000"),
            "faults": {
                "unreachable": [502, _body(Refused(502, "upstream_unreachable", "the model server is unreachable (no connection)"))],
                "timeout": [504, _body(Refused(504, "upstream_timeout", "the model server did not answer in time"))],
                "broken": [502, _body(Refused(502, "upstream_broken", "the model server's answer was cut off or malformed"))],
                "bad_body": [502, _body(Refused(502, "upstream_bad_response",
                                                "the model server answered with something that is not a JSON object"))],
            },
        }

    def start(self) -> None:
        exe = nginx_binary()
        if exe is None:
            raise RuntimeError("--front nginx needs nginx and its Lua module (Debian: nginx libnginx-mod-http-lua lua-cjson)")
        self.dir.mkdir(parents=True, exist_ok=True)
        # Started as root, nginx's workers run as an unprivileged user: they
        # must get through this directory to this app's socket (nginx makes
        # its temp directories itself, for that user).
        os.chmod(self.dir, 0o711)
        (self.dir / "antidistill_front.lua").write_text(LUA)
        (self.dir / "front.json").write_bytes(orjson.dumps({k: v for k, v in self._lua_config().items() if v is not None}))
        conf = self.dir / "nginx.conf"
        conf.write_text(self._config())
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.ctl)
        self._resume()
        self.proc = subprocess.Popen([exe, "-c", str(conf), "-p", str(self.dir), "-e", str(self.dir / "nginx-error.log")],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     preexec_fn=_die_with_parent)
        deadline = time.monotonic() + 30
        while not os.path.exists(self.ctl):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.poll() is not None else "timeout"
                raise RuntimeError(f"nginx did not start: {err[-2000:]}")
            time.sleep(0.02)
        self._push({f"k:{key}": acct if kid is None else f"{acct}\x00{kid}" for key, (acct, kid) in self.gw.keys.items()})
        self.sync()
        self._wait_listening()
        import asyncio

        try:
            self._loop = asyncio.get_running_loop()
        except RuntimeError:
            self._loop = None
        self._thread = threading.Thread(target=self._tail, name="antidistill-front-tailer", daemon=True)
        self._thread.start()

    def _wait_listening(self) -> None:
        host, port = self.listen
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection((host, port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError(f"nginx does not listen on {host}:{port}") from None
                time.sleep(0.02)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: workers finish and write their buffered records
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.drain()

    # --- the table -----------------------------------------------------------
    def _push(self, changes: dict[str, str | None]) -> None:
        if not changes:
            return
        data = orjson.dumps(changes)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(10)
            s.connect(self.ctl)
            s.sendall(b"POST /table HTTP/1.0\r\nHost: ctl\r\nContent-Length: %d\r\n\r\n" % len(data) + data)
            answer = b""
            while chunk := s.recv(65536):
                answer += chunk
        if not answer.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(f"nginx refused a table update: {answer[:300]!r}")

    def entry(self, account: str) -> str | None:
        """The table entry for an account: what nginx does with its requests."""
        gw = self.gw
        d = gw.decision(account)
        if d is ALLOW:
            return None
        return self._encode(d)

    def _encode(self, d: Decision) -> str:
        """Kind, then NUL-separated: the log's attributes, the actions (for metrics), and what the kind needs."""
        gw = self.gw
        attrs = orjson.dumps(d.log_attrs).decode() + "\x00" + ",".join(sorted(d.actions))
        if d.blocks:
            body = _body(blocked(d))
            return f"B\x00{attrs}\x00{body}"
        if d.dry_run and d.actions:
            return "P"
        if d.enforced("degrade") or d.enforced("watermark"):
            return "P"
        if d.enforced("throttle"):
            if gw.redis is not None:
                return "P"  # the bucket is shared through Redis: Python takes it
            t = gw.actions.throttle
            body = _body(throttled(d))
            return f"T\x00{attrs}\x00{t.rate_per_s!r}\x00{t.burst!r}\x00{body}"
        return f"A\x00{attrs}"

    def sync(self, keys=None) -> None:
        """Bring nginx's table in line with the gateway's decisions: for ``keys`` (accounts or end-user keys), or all."""
        gw = self.gw
        with self._table_lock:
            want: dict[str, str | None] = {}
            if keys is None:
                keys = {k for k in (*list(gw.verdicts), *list(gw.overrides)) if END_USER_SEP not in k}
                keys |= {k[2:] for k in self.pushed if k.startswith("a:")}
                users = self._accounts_with_end_users()
                for acct in users | {k[2:] for k in self.pushed if k.startswith("u:")}:
                    want["u:" + acct] = "1" if acct in users else None
                default = self._encode(gw.default_decision()) if gw.detector_failed else None
                want["*"] = None if default is None or default.startswith("A") else default
            with_users: set[str] | None = None
            for key in keys:
                acct, sep, _user = key.partition(END_USER_SEP)
                if sep:
                    if with_users is None:
                        with_users = self._accounts_with_end_users()
                    want["u:" + acct] = "1" if acct in with_users else None
                else:
                    want["a:" + key] = self.entry(key)
            changes = {k: v for k, v in want.items() if self.pushed.get(k) != v}
            self._push(changes)
            for k, v in changes.items():
                if v is None:
                    self.pushed.pop(k, None)
                else:
                    self.pushed[k] = v

    def _accounts_with_end_users(self) -> set[str]:
        """Accounts with any end-user decision or override: their requests naming an end user go to Python."""
        gw = self.gw
        if not gw.actions.end_users:
            return set()
        return {k.partition(END_USER_SEP)[0] for k in (*list(gw.decisions), *list(gw.overrides)) if END_USER_SEP in k}

    # --- records -> log lines ----------------------------------------------
    def _resume(self) -> None:
        """Where to go on reading nginx's records, and which of them are already in the log."""
        if self.log_dir is None:
            for path in (self.records, self.retired):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
            return
        ck_path = self.log_dir / CHECKPOINT
        since: tuple[str, int] | None = None
        if ck_path.exists():
            ck = orjson.loads(ck_path.read_bytes())
            self.offset, self.retired_offset = ck["offset"], ck.get("retired_offset")
            if self.retired.exists() and self.retired_offset is None:
                # renamed after this checkpoint: its offset is the retired file's
                self.retired_offset, self.offset = self.offset, 0
            size = self.records.stat().st_size if self.records.exists() else 0
            if self.offset > size:
                self.offset = 0
            since = (ck.get("log_file") or "", ck.get("log_size") or 0)
        elif self.records.exists() or self.retired.exists():
            self.retired_offset = 0 if self.retired.exists() else None
        else:
            return
        if not self.retired.exists():
            self.retired_offset = None
        # Lines the log got after the checkpoint (or all, without one) may
        # come from records after the checkpoint's offset: not again.
        for path in log_files(self.log_dir):
            if since is not None and path.name < since[0]:
                continue
            with open(path, "rb") as f:
                if since is not None and path.name == since[0]:
                    f.seek(since[1])
                for line in f:
                    if line.endswith(b"\n"):
                        with contextlib.suppress(orjson.JSONDecodeError):
                            self._skip.add(orjson.loads(line)["request_id"])

    def _tail(self) -> None:
        wait = self.gw.config.flush_ms / 1000.0
        while not self._stop.wait(wait):
            try:
                self.drain()
            except Exception:  # noqa: BLE001 - keep tailing; say so
                log.exception("front: reading nginx's records failed")

    @staticmethod
    def _read(path: Path, offset: int) -> bytes:
        """The complete lines of ``path`` from ``offset`` on."""
        try:
            with open(path, "rb") as f:
                f.seek(offset)
                data = f.read()
        except FileNotFoundError:
            return b""
        return data[:data.rfind(b"\n") + 1]

    def drain(self) -> int:
        """Turn every complete record nginx wrote since the last call into log lines; returns how many.

        Records of a retired file (see :meth:`_rotate`) come first; it is
        removed once nginx has surely moved on to the new one and it is read.
        """
        n = 0
        changed = False
        if self.retired_offset is not None:
            data = self._read(self.retired, self.retired_offset)
            if data:
                n += self._convert(data)
                self.retired_offset += len(data)
                changed = True
            elif time.monotonic() - self._rotated_at > max(2.0, 10 * self.gw.config.flush_ms / 1000):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.retired)
                self.retired_offset = None
                changed = True
        data = self._read(self.records, self.offset)
        if data:
            n += self._convert(data)
            self.offset += len(data)
            changed = True
        if changed:
            self._checkpoint()
        if self.rotate_bytes and self.offset >= self.rotate_bytes and self.retired_offset is None:
            self._rotate()
        return n

    def _rotate(self) -> None:
        """nginx's record file has been read past ``rotate_bytes``: nginx starts a new one (SIGUSR1 reopens its logs)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.replace(self.records, self.retired)
        self.retired_offset, self.offset = self.offset, 0
        self._rotated_at = time.monotonic()
        self._checkpoint()
        self.proc.send_signal(signal.SIGUSR1)

    def _checkpoint(self) -> None:
        gw = self.gw
        if gw.log is None:
            return
        path = gw.log.current_path
        # Not fsynced: a checkpoint lost with the machine is an older one,
        # and the lines logged after it are recognised on restart.
        ck = self.log_dir / CHECKPOINT
        tmp = ck.with_name(CHECKPOINT + ".tmp")
        tmp.write_bytes(orjson.dumps({"offset": self.offset, "retired_offset": self.retired_offset,
                                      "log_file": path.name if path else None, "log_size": gw.log.size}))
        os.replace(tmp, ck)

    def _convert(self, data: bytes) -> int:
        """Records -> log lines (durable when there is a log), metrics and the other instances; returns how many lines."""
        lines: list[bytes] = []
        done: list[tuple[str, int, float, Any]] = []
        for rec in data.splitlines():
            try:
                if rec[:2] == b"S\t":  # a log line nginx wrote, with what the metrics need in front of it
                    _, rid, endpoint, status, elapsed, actions, line = rec.split(b"\t", 6)
                    if self._skip and rid.decode() in self._skip:
                        self._skip.discard(rid.decode())
                        continue
                    lines.append(line + b"\n")
                    done.append((endpoint.decode(), int(status), float(elapsed), actions.decode().split(",") if actions else ()))
                    continue
                r = orjson.loads(rec[2:])
                if r["r"] in self._skip:
                    self._skip.discard(r["r"])
                    continue
                line, stat = self._line(r)
            except Exception as exc:  # noqa: BLE001 - one bad record must not stop the log
                self.failed += 1
                log.error("front: a record could not become a log line", extra={"attrs": {"error": str(exc), "record": rec[:300].decode(errors="replace")}})
                continue
            lines.append(line)
            done.append(stat)
        gw = self.gw
        if gw.log is not None:
            for line in lines:
                gw.log.append_line(line)
            gw.log.flush()  # durable, then handed to detection (in log order) by the log itself
        self.converted += len(lines)
        if lines:
            self._on_loop(self._recorded, lines, done)
        return len(lines)

    def _on_loop(self, fn, *args) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(fn, *args)
                return
            except RuntimeError:
                pass
        fn(*args)

    def _recorded(self, lines: list[bytes], done: list) -> None:
        """On the event loop: metrics, the other instances (Redis) and, without a log, detection."""
        gw = self.gw
        for endpoint, status, elapsed, actions in done:
            gw.metrics.done(endpoint, status, elapsed)
            for a in actions:  # nginx serves no dry run: those go to Python
                gw.metrics.actions.labels(a, "false").inc()
        if gw.log is None:
            for line in lines:
                gw.record_line(line)  # queued for detection, and published
        elif gw.redis is not None:
            for line in lines:
                gw.redis.publish(line)

    def _line(self, r: dict[str, Any]) -> tuple[bytes, tuple]:
        how, status, raw = r.get("h"), r["st"], r.get("p")
        endpoint = r["e"]
        response = None
        if how == "whole" and raw:
            with contextlib.suppress(orjson.JSONDecodeError):
                response = orjson.loads(raw)
        elif how == "stream" and raw is not None:
            if status < 400 or status == 502:
                asm = self._assembler(endpoint)
                asm.feed(raw.encode())
                response = asm.body()
            else:
                with contextlib.suppress(orjson.JSONDecodeError):
                    response = orjson.loads(raw)
        if type(response) is not dict:
            response = None
        gw = self.gw
        ip = r.get("ip")
        fwd = r.get("x")
        if fwd:
            ip = first_forwarded(fwd)
        attrs = orjson.loads(r["g"]) if r.get("g") else None
        ts = utc_now_rfc3339(r["s"] + r["n"] / 1e9)
        event = self._event(r["r"], ts, r["a"], r.get("k"), ip, r.get("u"), endpoint, orjson.loads(r["q"]),
                               response, status, r["l"], attrs, [])
        return orjson.dumps(event, option=orjson.OPT_APPEND_NEWLINE), (endpoint, status, r["l"], attrs["actions"] if attrs else ())

    @property
    def backlog_bytes(self) -> int:
        """Bytes of nginx's records not yet turned into log lines."""
        behind = 0
        for path, offset in ((self.records, self.offset), (self.retired, self.retired_offset)):
            if offset is not None:
                with contextlib.suppress(OSError):
                    behind += max(0, path.stat().st_size - offset)
        return behind

    def health(self) -> dict[str, Any]:
        return {"nginx": self.proc is not None and self.proc.poll() is None, "records_behind_bytes": self.backlog_bytes,
                "records_logged": self.converted, "records_failed": self.failed, "table_entries": len(self.pushed)}


"""Per-account event emitter: builds request/response bodies and the log envelope."""
import base64
import json
import math

import world as W
import textgen as T

_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


_B62 = str.maketrans({"-": "k", "_": "Q"})


def rand_id(rng, n):
    b = rng.getrandbits(6 * n).to_bytes((6 * n + 7) // 8, "big")
    return base64.urlsafe_b64encode(b).decode("ascii")[:n].translate(_B62)


class Acct:
    """Holds one account's plan and RNG and collects its log lines."""

    def __init__(self, plan, rng, ctx):
        self.p = plan
        self.rng = rng
        self.ctx = ctx
        self.out = []          # (ts_ms, seq, line)
        self.seq = 0
        self._sticky_ip = None
        self._sticky_until = 0

    # -------------------------------------------------------------- envelope helpers
    def pick_ip(self, ts, net=None):
        rng = self.rng
        net = net or self.p["net"]
        kind = net["kind"]
        if kind == "fixed":
            ips = net["ips"]
            return ips[0] if len(ips) == 1 else rng.choice(ips)
        if kind == "resi":
            # a home connection: IP changes now and then (DHCP / mobile)
            if self._sticky_ip is None or ts > self._sticky_until:
                if rng.random() < net.get("v6", 0.0):
                    self._sticky_ip = W.resi_ip6(rng)
                else:
                    self._sticky_ip = W.resi_ip(rng, net["country"])
                self._sticky_until = ts + int(rng.uniform(4, 60) * W.HOUR)
            if net.get("roam", 0) and rng.random() < net["roam"]:
                return W.resi_ip(rng, net["country"])
            return self._sticky_ip
        if kind == "pool":
            pool = self.ctx["pools"][net["pool"]]
            if net.get("sticky", 0.0) > 0:
                if self._sticky_ip is None or ts > self._sticky_until:
                    self._sticky_ip = pool[rng.randrange(len(pool))]
                    self._sticky_until = ts + int(net["sticky"] * W.HOUR)
                return self._sticky_ip
            return pool[rng.randrange(len(pool))]
        if kind == "blocks":
            return W.ip_in(rng, rng.choice(net["blocks"]))
        if kind == "mix":
            r = rng.random()
            acc = 0.0
            for w, sub in net["parts"]:
                acc += w
                if r < acc:
                    return self.pick_ip(ts, sub)
            return self.pick_ip(ts, net["parts"][-1][1])
        return "0.0.0.0"

    def pick_ua(self):
        uas = self.p["ua"]
        if len(uas) == 1:
            return uas[0]
        return self.rng.choice(uas)

    def outcome(self, ts, model=None, burst=False):
        """HTTP status for one request."""
        rng = self.rng
        if model == W.MODEL_NEW and ts < W.RELEASE_MS:
            return 404
        e = self.p["err"]
        r = rng.random()
        p429 = e[0] * (4.0 if burst else 1.0)
        if r < p429:
            return 429
        r -= p429
        if r < e[1]:
            return rng.choice([500, 502, 503, 503, 504])
        r -= e[1]
        if r < e[2]:
            return rng.choice([400, 400, 400, 413, 422, 401])
        # brief platform incident on Wednesday 14:10-14:35 UTC: elevated 503s for everyone
        if W.T0 + 2 * W.DAY + 14 * W.HOUR + 10 * 60000 <= ts < W.T0 + 2 * W.DAY + 14 * W.HOUR + 35 * 60000 and rng.random() < 0.3:
            return 503
        return 200

    def envelope(self, ts, endpoint, request, response, status, latency, key=None, ip=None, ua=None, omit_response=False):
        rng = self.rng
        gw = self.p["gw"]
        shard = gw if rng.random() > 0.06 else rng.randrange(3)
        ev = {}
        ev["request_id"] = "req_%024x" % rng.getrandbits(96)
        if shard == 2:
            ev["ts"] = W.iso_variant(ts, 1 if rng.random() < 0.8 else 2, rng.randrange(1000))
        else:
            ev["ts"] = W.iso_ms(ts)
        ev["account_id"] = self.p["id"]
        if shard != 1:
            km = self.p.get("keys_main") or self.p["keys"]
            k = key or (km[0] if len(km) == 1 else km[rng.randrange(len(km))])
            if k:
                ev["api_key_id"] = k
        if rng.random() > 0.012:
            ev["client_ip"] = ip or self.pick_ip(ts)
        if not (shard == 2 and rng.random() < 0.5) and rng.random() > 0.01:
            u = ua or self.pick_ua()
            if u:
                ev["user_agent"] = u
        ev["endpoint"] = endpoint
        ev["request"] = request
        if not omit_response:
            ev["response"] = response
        ev["status"] = status
        if latency is not None and not (status >= 500 and rng.random() < 0.3) and rng.random() > 0.015:
            ev["latency_ms"] = latency
        line = json.dumps(ev, ensure_ascii=False, separators=(",", ":"))
        self.seq += 1
        self.out.append((ts, self.seq, line))

    # -------------------------------------------------------------- model choice
    def model_at(self, ts, default=None):
        p = self.p
        m = default or self.rng.choices(p["models"][0], weights=p["models"][1])[0]
        adopt = p.get("adopt")
        if adopt and ts >= adopt[0] and m in (W.MODEL_LARGE, W.MODEL_SNAPSHOT) and self.rng.random() < adopt[1]:
            return W.MODEL_NEW
        return m

    # -------------------------------------------------------------- chat
    def opts(self, **over):
        """Client's habitual parameters, overridable."""
        st = self.p["style"]
        o = {}
        if st.get("temperature") is not None:
            o["temperature"] = st["temperature"]
        if st.get("top_p") is not None:
            o["top_p"] = st["top_p"]
        if st.get("max_tokens") is not None:
            o["max_tokens"] = st["max_tokens"]
        if st.get("stream"):
            o["stream"] = True
        o.update(over)
        return {k: v for k, v in o.items() if v is not None}

    def chat(self, ts, messages, content, model=None, opts=None, n=1, contents=None, finish="stop", logprobs_k=None,
             tool_calls=None, key=None, ip=None, ua=None, think=None, burst=False, status=None, endpoint="/v1/chat/completions"):
        rng = self.rng
        model = model or self.model_at(ts)
        opts = dict(opts if opts is not None else self.opts())
        req = {"model": model, "messages": messages}
        for k in ("temperature", "top_p", "max_tokens", "n", "seed", "stop", "stream", "logprobs", "top_logprobs",
                  "logit_bias", "tools", "tool_choice", "response_format", "user"):
            if k in opts:
                req[k] = opts[k]
        if n > 1:
            req["n"] = n
        st = status or self.outcome(ts, model, burst)
        ptok = T.msgs_tokens(messages)
        if "tools" in req:
            ptok += 30 * len(req["tools"])
        if st != 200:
            lat = int(rng.uniform(8, 60)) if st in (400, 401, 404, 413, 422, 429) else int(rng.uniform(900, 30000))
            self.envelope(ts, endpoint, req, None, st, lat, key, ip, ua)
            return st
        outs = contents if contents is not None else [content] * n
        mt = req.get("max_tokens")
        choices = []
        ctok_total = 0
        for i, c in enumerate(outs):
            fr = finish
            ct = T.est_tokens(c)
            if mt and ct > mt and tool_calls is None:
                keep = max(1, int(len(c) * mt / float(ct)))
                c = c[:keep]
                ct = mt
                fr = "length"
            ctok_total += ct
            msg = {"role": "assistant", "content": c}
            if tool_calls is not None:
                msg["tool_calls"] = tool_calls
                fr = "tool_calls"
            lp = None
            if logprobs_k is not None:
                lp = {"content": self.lp_entries(c, logprobs_k, opts.get("logit_bias"))}
            choices.append({"index": i, "message": msg, "finish_reason": fr, "logprobs": lp})
        usage = {"prompt_tokens": ptok, "completion_tokens": ctok_total, "total_tokens": ptok + ctok_total}
        hidden = 0
        if model == W.MODEL_THINK:
            hidden = think if think is not None else int(rng.lognormvariate(math.log(900), 0.8))
            usage["completion_tokens"] += hidden
            usage["total_tokens"] += hidden
            usage["completion_tokens_details"] = {"reasoning_tokens": hidden}
        resp = {"id": "chatcmpl-" + rand_id(rng, 24), "object": "chat.completion", "created": ts // 1000,
                "model": model, "choices": choices, "usage": usage}
        lat = int(rng.uniform(140, 650) + (ctok_total / max(1, len(outs)) + hidden) * W.MS_PER_TOKEN.get(model, 20) * rng.uniform(0.7, 1.4)
                  + ptok * 0.02)
        omit = bool(req.get("stream")) and rng.random() < 0.3
        self.envelope(ts, endpoint, req, resp, 200, lat, key, ip, ua, omit_response=omit)
        return 200

    def lp_entries(self, text, k, bias=None):
        rng = self.rng
        toks = T.pseudo_tokens(text, 60) or [text[:4] or " "]
        ents = []
        forced = []
        if bias:
            forced = [T.vocab_token(int(t)) for t, v in list(bias.items())[:k + 1] if v > 50]
        for j, tok in enumerate(toks):
            if j == 0 and forced:
                forced = [f for f in forced if f != tok]
            lp0 = -abs(rng.gauss(0.0, 0.35)) if rng.random() < 0.8 else -rng.uniform(0.4, 2.5)
            tops = []
            if k:
                alts = forced[:k - 1] if (j == 0 and forced) else []
                tops.append({"token": tok, "logprob": round(lp0, 5)})
                cur = lp0
                for a in alts:
                    cur -= rng.uniform(0.0, 0.4)
                    tops.append({"token": a, "logprob": round(cur, 5)})
                while len(tops) < k:
                    cur -= rng.expovariate(1.2)
                    tops.append({"token": T.vocab_token(rng.randrange(W.VOCAB_SIZE)), "logprob": round(cur, 5)})
            ents.append({"token": tok, "logprob": round(lp0, 5), "top_logprobs": tops})
        return ents

    # -------------------------------------------------------------- completions (legacy)
    def complete(self, ts, prompt, text, model=W.MODEL_BASE, opts=None, logprobs_k=None, key=None, ip=None, ua=None):
        rng = self.rng
        opts = dict(opts or {})
        req = {"model": model, "prompt": prompt}
        for k in ("temperature", "top_p", "max_tokens", "n", "seed", "stop", "stream", "logprobs", "top_logprobs", "logit_bias", "user"):
            if k in opts:
                req[k] = opts[k]
        st = self.outcome(ts, model)
        ptok = T.est_tokens(prompt)
        if st != 200:
            self.envelope(ts, "/v1/completions", req, None, st, int(rng.uniform(8, 80)), key, ip, ua)
            return st
        ct = T.est_tokens(text)
        mt = req.get("max_tokens")
        fr = "stop"
        if mt and ct >= mt:
            toks = T.pseudo_tokens(text, mt)
            text = "".join(toks)
            ct = mt
            fr = "length"
        lp = None
        if logprobs_k is not None:
            toks = T.pseudo_tokens(text, 60) or [" "]
            tl, top, off = [], [], []
            pos = len(prompt)
            for tok in toks:
                v = -abs(rng.gauss(0, 0.6))
                tl.append(round(v, 5))
                d = {tok: round(v, 5)}
                cur = v
                while len(d) < max(1, logprobs_k):
                    cur -= rng.expovariate(1.1)
                    d[T.vocab_token(rng.randrange(W.VOCAB_SIZE))] = round(cur, 5)
                top.append(d)
                off.append(pos)
                pos += len(tok)
            lp = {"tokens": toks, "token_logprobs": tl, "top_logprobs": top, "text_offset": off}
        resp = {"id": "cmpl-" + rand_id(rng, 24), "object": "text_completion", "created": ts // 1000, "model": model,
                "choices": [{"index": 0, "text": text, "finish_reason": fr, "logprobs": lp}],
                "usage": {"prompt_tokens": ptok, "completion_tokens": ct, "total_tokens": ptok + ct}}
        lat = int(rng.uniform(90, 400) + ct * W.MS_PER_TOKEN.get(model, 12) * rng.uniform(0.7, 1.3))
        self.envelope(ts, "/v1/completions", req, resp, 200, lat, key, ip, ua)
        return 200

    # -------------------------------------------------------------- predict
    def predict(self, ts, instances, key=None, ip=None, ua=None):
        rng = self.rng
        clf = self.ctx["clf"]
        req = {"instances": instances}
        st = self.outcome(ts)
        if st == 200 and len(instances) > 512:
            st = 413
        if st != 200:
            self.envelope(ts, "/v1/predict", req, None, st, int(rng.uniform(5, 40)), key, ip, ua)
            return st
        preds = []
        for x in instances:
            pr = clf.probs(x)
            lab = max(range(3), key=lambda i: pr[i])
            preds.append({"label": lab, "probabilities": [round(v, 4) for v in pr]})
        lat = round(rng.uniform(12, 45) + 0.35 * len(instances) * rng.uniform(0.8, 1.2), 1)
        self.envelope(ts, "/v1/predict", req, {"predictions": preds}, 200, lat, key, ip, ua)
        return 200

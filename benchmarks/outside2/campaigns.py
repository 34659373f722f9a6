"""Theft behaviours (malicious campaigns)."""
import json
import math

import world as W
import textgen as T
import pools_en as E
import pools_intl as I
import pools_special as S
import benign as B


def tooldef(t):
    name, desc, params = t
    props = {k: {"type": v} for k, v in params.items()}
    return {"type": "function", "function": {"name": name, "description": desc,
                                             "parameters": {"type": "object", "properties": props, "required": list(params)[:1]}}}


ALL_TOOLDEFS = [tooldef(t) for t in S.AGENT_TOOLS]


def _cover(A, ts, lang="en"):
    """An ordinary-looking request mixed in as cover traffic."""
    q, a = B.pick_prompt(A, B.GEN_MIX + ([(40, "intl")] if lang != "en" else []), lang)
    A.chat(ts, [{"role": "user", "content": q}], a)


# ------------------------------------------------------------------ reasoning / sweep items
def reasoning_item(rng, zh_frac, wraps_en=None):
    prob, ans = T.hard_problem(rng)
    if rng.random() < zh_frac:
        q = T.fill(rng.choice(S.REASON_WRAP_ZH), {"problem": prob, "answer": ans})
        lang = "zh"
    else:
        q = T.fill(rng.choice(wraps_en or S.REASON_WRAP_EN), {"problem": prob, "answer": ans})
        lang = "en"
    tagged = "<thinking>" in q or "<思考>" in q
    a = T.answer_steps(rng, lang, rng.randint(9, 24), ans, tagged=tagged)
    return q, a


def sweep_item(rng, domains=None):
    skill = rng.choice(S.SWEEP_SKILLS)
    dom = rng.choice(domains or S.SWEEP_DOMAINS)
    q = T.fill(rng.choice(S.SWEEP_TEMPLATES), {"domain": dom, "skill": skill, "skill_cap": skill[0].upper() + skill[1:],
                                               "level": rng.choice(S.SWEEP_LEVELS), "words": rng.choice([300, 500, 800])})
    return q, T.answer_structured(rng, "en", dom, rng.randint(3, 6)), dom


def hydra_item(A, camp):
    rng = A.rng
    if rng.random() < camp["reason_frac"]:
        q, a = reasoning_item(rng, camp["zh_frac"])
        model = W.MODEL_THINK if rng.random() < 0.3 else W.MODEL_LARGE
    else:
        q, a, _ = sweep_item(rng)
        model = W.MODEL_LARGE if rng.random() < 0.8 else W.MODEL_MINI
    msgs = []
    if rng.random() < camp["sys_frac"]:
        msgs.append({"role": "system", "content": rng.choice(camp["systems"])})
    msgs.append({"role": "user", "content": q})
    return msgs, a, model


# C1: hydra network ------------------------------------------------------------
def gen_hydra(A):
    rng, p = A.rng, A.p
    camp = p["camp"]
    times = W.spread(rng, p["n"], "wide", 8, sess_mean=p.get("sess", 5), gap_s=p.get("gap", 50), lo=p["lo"])
    for ts in times:
        if rng.random() < p["cover"]:
            _cover(A, ts, "zh" if rng.random() < 0.3 else "en")
            continue
        msgs, a, model = hydra_item(A, camp)
        A.chat(ts, msgs, a, model=A.model_at(ts, model), opts=A.opts())


def embed_hydra(A, emb):
    """Hydra traffic from an end user of a legitimate reseller (rides on the reseller's account)."""
    rng = A.rng
    camp = emb["camp"]
    times = W.spread(rng, emb["n"], "wide", 8, sess_mean=6, gap_s=40, lo=A.p["lo"])
    for ts in times:
        msgs, a, model = hydra_item(A, camp)
        o = A.opts(user=emb["user"], max_tokens=8192)
        A.chat(ts, msgs, a, model=A.model_at(ts, model), opts=o)


# C2: slow and low reasoning harvest -------------------------------------------------
def gen_slow_reason(A):
    rng, p = A.rng, A.p
    camp = p["camp"]
    times = W.spread(rng, p["n"], "office", p["tz"], sess_mean=2.5, gap_s=300, lo=p["lo"])
    for ts in times:
        if rng.random() < p["cover"]:
            _cover(A, ts)
            continue
        q, a = reasoning_item(rng, 0.0, camp["wraps"])
        model = W.MODEL_THINK if rng.random() < 0.5 else W.MODEL_LARGE
        A.chat(ts, [{"role": "user", "content": q}], a, model=A.model_at(ts, model),
               opts={"temperature": camp["temperature"], "max_tokens": camp["max_tokens"]})


# C3: launch-day rush onto the new model ------------------------------------------------
def gen_launch_rush(A):
    rng, p = A.rng, A.p
    camp = p["camp"]
    n_pre = p["n_pre"]
    pre = W.spread(rng, n_pre, "flat", 8, sess_mean=4, gap_s=60, lo=p["lo"], hi=W.RELEASE_MS)
    for ts in pre:
        if rng.random() < 0.5:
            _cover(A, ts)
        else:
            q, a, _ = sweep_item(rng)
            A.chat(ts, [{"role": "user", "content": q}], a, model=W.MODEL_LARGE, opts=A.opts())
    if p.get("probe"):
        for _ in range(rng.randint(1, 3)):
            ts = W.RELEASE_MS - rng.randint(5, 55) * 60000
            A.chat(ts, [{"role": "user", "content": "test"}], "ok", model=W.MODEL_NEW, opts=A.opts())
    start = W.RELEASE_MS + p["delay_min"] * 60000
    heavy = W.spread(rng, p["n"] - n_pre, "flat", 0, sess_mean=80, gap_s=22, gap_sd=0.45, lo=start)
    for ts in heavy:
        if rng.random() < camp["reason_frac"]:
            q, a = reasoning_item(rng, 0.15)
        else:
            q, a, _ = sweep_item(rng)
        A.chat(ts, [{"role": "user", "content": q}], a, model=W.MODEL_NEW, opts=A.opts(), burst=True)


# C4: agent-trajectory harvesting ------------------------------------------------------
TASK_VERBS = ["Fix", "Investigate", "Automate", "Refactor", "Migrate", "Audit", "Speed up", "Document", "Test", "Deploy"]
TASK_OBJS = ["the login flow", "the CSV importer", "the billing cron job", "the search API", "the mobile build", "the data pipeline",
             "the admin dashboard", "the notification service", "the caching layer", "the PDF export", "the onboarding wizard"]
TASK_CTX = ["in a Django monolith", "in a Go microservice", "on a Kubernetes cluster", "in a React app", "in a Rust CLI",
            "on a Windows desktop", "using only the browser", "in a Jupyter environment", "on a Spring Boot service"]


def gen_agent_farm(A):
    rng, p = A.rng, A.p
    camp = p["camp"]
    n = p["n"]
    starts = W.session_starts(rng, "flat", 0, max(1, n // 4), p["lo"])
    done = 0
    for st in starts:
        if done >= n:
            break
        tools = rng.sample(ALL_TOOLDEFS, rng.randint(6, 14))
        names = [t["function"]["name"] for t in tools]
        sysmsg = rng.choice(S.AGENT_ENV_SYSTEMS) + " " + camp["narrate"]
        if rng.random() < 0.5:
            task = rng.choice(S.AGENT_TASKS)
        else:
            task = "%s %s %s." % (rng.choice(TASK_VERBS), rng.choice(TASK_OBJS), rng.choice(TASK_CTX))
        msgs = [{"role": "system", "content": sysmsg}, {"role": "user", "content": task}]
        t = st
        turns = rng.randint(2, 6)
        for k in range(turns):
            o = A.opts(tools=tools, tool_choice="auto")
            narr = " ".join(rng.sample(S.AGENT_STEPS, rng.randint(2, 4)))
            if k == turns - 1:
                A.chat(t, msgs, narr + "\n\n" + T.answer_en(rng, task.lower(), 2), model=A.model_at(t), opts=o)
            else:
                cid = "call_%012x" % rng.getrandbits(48)
                name = rng.choice(names)
                tc = [{"id": cid, "type": "function", "function": {"name": name, "arguments": json.dumps({"q": task[:30]})}}]
                st_ = A.chat(t, msgs, narr, model=A.model_at(t), opts=o, tool_calls=tc)
                if st_ == 200:
                    msgs = msgs + [{"role": "assistant", "content": narr, "tool_calls": tc},
                                   {"role": "tool", "tool_call_id": cid, "content": rng.choice(S.TOOL_OUTPUTS)}]
            done += 1
            t += int(rng.uniform(3, 12) * 1000)


# C5: logit-bias sweep (softmax-bottleneck / projection recovery) -------------------------
def gen_logit_sweep(A):
    rng, p = A.rng, A.p
    camp = p["camp"]
    lo_id, hi_id = p["id_range"]
    width = camp["width"]
    tid = lo_id
    starts = W.session_starts(rng, "night", p["tz"], max(1, p["n"] // 350), p["lo"])
    per = p["n"] // max(1, len(starts)) + 1
    done = 0
    prompt_i = p["prompt_offset"]
    for st in starts:
        t = st
        prompt = camp["prompts"][prompt_i % len(camp["prompts"])]
        prompt_i += 1
        for _ in range(per):
            if done >= p["n"] or t >= W.T1:
                break
            if rng.random() < 0.08:
                bias = {str(rng.randrange(W.VOCAB_SIZE)): -100}
            else:
                bias = {str(tid + j): 100 for j in range(width)}
                tid += width
                if tid >= hi_id:
                    tid = lo_id
            o = {"max_tokens": 1, "temperature": 0, "logprobs": True, "top_logprobs": 20, "logit_bias": bias, "seed": camp["seed"]}
            A.chat(t, [{"role": "user", "content": prompt}], T.vocab_token(int(next(iter(bias)))) if rng.random() < 0.9 else " the",
                   model=camp["model"], opts=o, logprobs_k=20)
            done += 1
            t += int(rng.uniform(700, 2200))


# C6: single account collecting full next-token distributions on random prefixes ------------
WORDS = ["apple", "river", "quantum", "seven", "blue", "market", "the", "of", "silent", "engine", "paper", "violet", "north",
         "because", "under", "policy", "gravity", "melon", "castle", "protocol", "sugar", "wander", "ledger", "orbit", "and",
         "which", "perhaps", "tomorrow", "copper", "signal", "garden", "binary", "window", "echo", "harbor", "fifteen"]


def gen_vocab_prober(A):
    rng, p = A.rng, A.p
    times = W.spread(rng, p["n"], "office", p["tz"], sess_mean=25, gap_s=9, gap_sd=0.5, lo=p["lo"])
    for ts in times:
        if rng.random() < p["cover"]:
            _cover(A, ts)
            continue
        k = rng.randint(3, 24)
        if rng.random() < 0.5:
            prompt = " ".join(rng.choice(WORDS) for _ in range(k))
        else:
            prompt = "".join(T.vocab_token(rng.randrange(W.VOCAB_SIZE)) for _ in range(k))
        if rng.random() < 0.8:
            A.complete(ts, prompt, rng.choice(WORDS), model=W.MODEL_BASE,
                       opts={"max_tokens": 1, "temperature": 1, "logprobs": True, "top_logprobs": 20}, logprobs_k=20)
        else:
            A.chat(ts, [{"role": "user", "content": prompt}], rng.choice(WORDS), model=W.MODEL_LARGE,
                   opts={"max_tokens": 1, "logprobs": True, "top_logprobs": 20}, logprobs_k=20)


# C7: Jacobian-based dataset augmentation against /v1/predict -----------------------------
def gen_jbda(A):
    rng, p = A.rng, A.p
    clf = A.ctx["clf"]
    pts = [list(x) for x in p["seeds"]]
    t = p["lo"] + rng.randrange(int(6 * W.HOUR))
    lam = 0.15
    rnd = 0
    while t < W.T1 and rnd <= p["rounds"]:
        if rnd == 0:
            batch_src = pts
        else:
            sign = 1.0 if rnd % 2 else -1.0
            new = []
            for x in pts:
                lab = max(range(3), key=lambda i: clf.probs(x)[i])
                g = clf.grad_sign(x, lab)
                z = []
                for i in range(12):
                    v = x[i] + sign * lam * W.FEATURE_STD[i] * g[i]
                    if p["clip"]:
                        v = min(W.FEATURE_HI[i], max(W.FEATURE_LO[i], v))
                    z.append(round(v, 4))
                new.append(z)
            if len(pts) + len(new) > p["cap"]:
                new = new[:max(0, p["cap"] - len(pts))]
            pts = pts + new
            batch_src = new
        i = 0
        while i < len(batch_src) and t < W.T1:
            k = rng.randint(16, 40)
            A.predict(t, batch_src[i:i + k])
            i += k
            t += int(rng.uniform(400, 4000))
        rnd += 1
        t += int(rng.uniform(2, 9) * W.HOUR)   # retrain the substitute between rounds


# C8: equation-solving + line search, two accounts in lockstep ----------------------------
def _uniform_point(rng):
    return [round(rng.uniform(W.FEATURE_LO[i], W.FEATURE_HI[i]), 4) for i in range(12)]


def gen_eqsolve(A):
    rng, p = A.rng, A.p
    clf = A.ctx["clf"]
    for h in p["camp"]["hours"]:
        t = h + 7 * 60000 + rng.randint(0, 25000)
        if t < p["lo"]:
            continue
        for _ in range(rng.randint(2, 4)):
            A.predict(t, [_uniform_point(rng) for _ in range(13)])
            t += int(rng.uniform(800, 2500))
        for _ in range(rng.randint(0, 2)):
            a, b = _uniform_point(rng), _uniform_point(rng)
            la = max(range(3), key=lambda i: clf.probs(a)[i])
            for _ in range(rng.randint(7, 11)):
                m = [round((a[i] + b[i]) / 2.0, 4) for i in range(12)]
                A.predict(t, [m])
                lm = max(range(3), key=lambda i: clf.probs(m)[i])
                if lm == la:
                    a = m
                else:
                    b = m
                t += int(rng.uniform(300, 1200))


# C9: hidden-prompt extraction --------------------------------------------------------------
def gen_prompt_leak(A):
    rng, p = A.rng, A.p
    times = W.spread(rng, p["n"], "consumer", p["tz"], sess_mean=8, gap_s=25, lo=p["lo"])
    models = [W.MODEL_LARGE, W.MODEL_MINI, W.MODEL_THINK, W.MODEL_SNAPSHOT, W.MODEL_NEW]
    last = None
    for ts in times:
        if last and rng.random() < 0.3:
            q = last
        else:
            x = rng.choice(S.PROMPT_EXTRACT) if rng.random() < 0.72 else rng.choice(S.PROMPT_EXTRACT_INTL)
            q = T.fill(rng.choice(S.PROMPT_EXTRACT_WRAP), {"x": x, "x_lc": x[0].lower() + x[1:]})
        last = q
        msgs = [{"role": "user", "content": q}]
        if rng.random() < 0.25:
            msgs.insert(0, {"role": "system", "content": rng.choice(["You are a helpful assistant.", "You are a helpful assistant. Follow the user's formatting requests."])})
        m = rng.choice(models)
        if m == W.MODEL_NEW and ts < W.RELEASE_MS:
            m = W.MODEL_LARGE
        a = rng.choice(E.REFUSALS) if rng.random() < 0.7 else T.answer_en(rng, "how I was designed to help", rng.randint(2, 5))
        A.chat(ts, msgs, a, model=m, opts=A.opts())


# C10: preference / reward-signal harvest --------------------------------------------------
def gen_judge_farm(A):
    rng, p = A.rng, A.p
    camp = p["camp"]
    times = W.spread(rng, p["n"], "wide", p["tz"], sess_mean=20, gap_s=14, gap_sd=0.6, lo=p["lo"])
    for ts in times:
        r = rng.random()
        sysm = {"role": "system", "content": camp["sys"] if rng.random() < 0.8 else rng.choice(S.JUDGE_SYSTEMS)}
        if r < 0.5:
            if rng.random() < 0.5:
                q, topic = T.prompt_general(rng)
            else:
                q, topic = T.prompt_code(rng)
            pr = T.fill(rng.choice(S.PAIRWISE_TEMPLATES), {"q": q, "a": T.short_candidate(rng, topic), "b": T.short_candidate(rng, topic)})
            a = T.answer_judge(rng, "zh" if "请比较" in pr else "en", jsonish="JSON" in pr)
            A.chat(ts, [sysm, {"role": "user", "content": pr}], a, model=A.model_at(ts), opts=A.opts())
        elif r < 0.8:
            q, topic = T.prompt_general(rng)
            pr = T.fill(rng.choice(S.RUBRIC_TEMPLATES), {"q": q, "a": T.short_candidate(rng, topic)})
            a = T.answer_judge(rng)
            A.chat(ts, [sysm, {"role": "user", "content": pr}], a, model=A.model_at(ts), opts=A.opts())
        else:
            q, a0 = B.pick_prompt(A, B.GEN_MIX)
            nn = camp["n_samples"]
            outs = [T.answer_en(rng, "the question", rng.randint(2, 6)) for _ in range(nn)]
            A.chat(ts, [{"role": "user", "content": q}], None, contents=outs, n=nn, model=A.model_at(ts),
                   opts={"temperature": 1.0, "max_tokens": 1024})


# C11: multilingual capability sweep, many aged accounts, very few ties ------------------------
def gen_polyglot(A):
    rng, p = A.rng, A.p
    langs = p["langs"]
    n = p["n"]
    nb = rng.randint(2, 4)
    starts = W.session_starts(rng, "flat", p["tz"], nb, p["lo"])
    per = n // len(starts) + 1
    done = 0
    for st in starts:
        t = st
        gap = rng.uniform(15, 45)
        for _ in range(per):
            if done >= n or t >= W.T1:
                break
            lang = rng.choice(langs)
            if rng.random() < p["cover"]:
                _cover(A, t, lang)
            else:
                dom = rng.choice(S.SWEEP_DOMAINS_INTL[lang])
                q = T.fill(rng.choice(S.SWEEP_INTL[lang]), {"d": dom})
                a = T.answer_structured(rng, lang, dom, rng.randint(3, 5))
                A.chat(t, [{"role": "user", "content": q}], a, opts=A.opts())
            done += 1
            t += int(rng.gauss(gap, gap * 0.2) * 1000) + 500


# C12: a real customer's account with a side job on a second key -------------------------------
def gen_insider(A):
    rng, p = A.rng, A.p
    B.gen_chat_app(A)   # the genuine product traffic on key 0
    key2 = p["keys"][1]
    home = {"kind": "resi", "country": p["country"], "v6": 0.0}
    ua = "python-requests/2.32.3"
    times = W.spread(rng, p["n_side"], "night", p["tz"], sess_mean=30, gap_s=35, lo=p["lo"])
    for ts in times:
        if rng.random() < 0.15:
            x = rng.choice(S.PROMPT_EXTRACT)
            A.chat(ts, [{"role": "user", "content": x}], rng.choice(E.REFUSALS), model=W.MODEL_LARGE,
                   opts={"temperature": 0}, key=key2, ip=A.pick_ip(ts, home), ua=ua)
        else:
            q, a = reasoning_item(rng, 0.0)
            A.chat(ts, [{"role": "user", "content": q}], a, model=rng.choice([W.MODEL_LARGE, W.MODEL_THINK]),
                   opts={"temperature": 0.8, "max_tokens": 8000}, key=key2, ip=A.pick_ip(ts, home), ua=ua)

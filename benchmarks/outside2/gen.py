#!/usr/bin/env python3
"""outside2: an independent, labelled synthetic API-traffic generator for testing model-theft detection.

usage: gen.py --seed N --out DIR [--accounts-count K] [--workers W]
Writes DIR/events.jsonl.gz, DIR/accounts.jsonl, DIR/labels.json. Standard library only.
"""
import argparse
import gzip
import io
import json
import math
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import world as W          # noqa: E402
import textgen as T        # noqa: E402
import pools_en as E       # noqa: E402
import pools_special as S  # noqa: E402
import pools_intl as I     # noqa: E402
import benign as B         # noqa: E402
import campaigns as C      # noqa: E402
from emit import Acct      # noqa: E402

BASE_K = 2800
TACTICS = ["reasoning-harvest", "capability-sweep", "preference-harvest", "agentic-harvest", "logit-extraction",
           "classifier-extraction", "prompt-extraction"]

CLASS_ASSIGN = [
    "For {course} homework: explain {topic} in your own words with one example.",
    "{course} lab question: what are the assumptions behind {topic}?",
    "I'm in {course}. Can you check my understanding of {topic}? I think it means the output depends on the input linearly.",
    "Give me 3 practice questions about {topic} for my {course} quiz.",
    "{course} assignment 3 asks us to compare {topic} with a simpler alternative. Where should I start?",
    "Summarize the key idea of {topic} in 150 words for my {course} reflection.",
    "What is a common exam trick question about {topic}?",
    "Explain {topic} step by step, our {course} TA said to use an AI tool to check our reasoning.",
    "help with {course}: {topic} — I don't understand the second part of the lecture",
    "Write pseudocode for {topic} (for {course}).",
    "Is this correct? '{topic} always converges.' ({course})",
    "Make a one-page cheat sheet on {topic} for {course}.",
]
CLASS_TOPICS = [["gradient descent", "linear regression", "decision trees", "k-means clustering", "the central limit theorem", "p-values"],
                ["TLS handshakes", "DNS resolution", "load balancing", "rate limiting", "consistent hashing", "message queues"],
                ["photosynthesis", "the carbon cycle", "enzyme kinetics", "mitochondria", "the immune system"],
                ["inflation", "price elasticity", "compound interest", "market segmentation", "break-even analysis"],
                ["the French Revolution", "the Industrial Revolution", "the Cold War", "the printing press"]]
COURSES = ["CS 229", "INFO 3300", "BIO 110", "ECON 201", "HIST 140", "DS 100", "CSE 421", "STAT 230", "MGMT 310"]


class Planner:
    def __init__(self, seed, K):
        self.seed = seed
        self.K = K
        self.scale = K / float(BASE_K)
        self.rng = random.Random("outside2:%d:world" % seed)
        self.plans = []
        self.ids = set()
        self.campaigns = {}
        self.pools = {}

    # ------------------------------------------------------------ primitives
    def new_id(self):
        rng = self.rng
        while True:
            v = rng.getrandbits(52)
            s = ""
            for _ in range(10):
                s = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36] + s
                v //= 36
            aid = "acct_" + s
            if aid not in self.ids:
                self.ids.add(aid)
                return aid

    def keys(self, k):
        return ["key_%010x" % self.rng.getrandbits(40) for _ in range(k)]

    def style(self, kind):
        rng = self.rng
        if kind == "app":
            return {"temperature": rng.choice([0.7, 0.7, 0.8, 1.0, None]), "max_tokens": rng.choice([None, 512, 800, 1024, 1500]),
                    "stream": rng.random() < 0.6}
        if kind == "dev":
            return {"temperature": rng.choice([None, None, None, 0, 0.2, 0.7, 1]), "max_tokens": rng.choice([None, None, 256, 1000, 2048]),
                    "stream": rng.random() < 0.2, "top_p": 0.95 if rng.random() < 0.08 else None}
        if kind == "det":
            return {"temperature": rng.choice([0, 0, 0.0, 0.1, 0.2]), "max_tokens": rng.choice([None, 256, 400, 800])}
        if kind == "harvest":
            return {"temperature": rng.choice([0.6, 0.7, 0.8, 1.0]), "max_tokens": rng.choice([4096, 8192, 8192, 16000])}
        return {}

    def meta(self, aid, created, email, pay, org, country, tier, drop=True):
        rng = self.rng
        m = {"account_id": aid}
        if not drop or rng.random() > 0.015:
            m["created"] = W.iso_s(created)
        if email and (not drop or rng.random() > 0.03):
            m["email_domain"] = email
        if pay:
            m["payment_fingerprint"] = pay
        if org:
            m["declared_org"] = org
        if country and (not drop or rng.random() > 0.05):
            m["country"] = country
        if tier:
            m["tier"] = tier
        return m

    def add(self, pop, fn, meta, created, country, tz, n, ua, net, label="benign", cid=None, tactics=None, **kw):
        rng = self.rng
        if net.get("kind") == "blocks":   # a small fleet of hosts inside the given /24s
            net = {"kind": "fixed", "ips": [W.ip_in(rng, rng.choice(net["blocks"])) for _ in range(rng.randint(2, 6))]}
        plan = {
            "id": meta["account_id"], "pop": pop, "fn": fn, "meta": meta, "created": created, "country": country, "tz": tz,
            "n": max(0, int(n)), "ua": ua, "net": net, "label": label, "cid": cid, "tactics": tactics or [],
            "lo": max(W.T0, created + int(rng.uniform(2, 90) * 60000)), "keys": kw.pop("keys", None) or self.keys(rng.choice([1, 1, 1, 2, 3])),
            "gw": rng.choices([0, 1, 2], weights=[70, 20, 10])[0], "err": kw.pop("err", (0.004, 0.002, 0.003)),
            "style": kw.pop("style", None) or self.style("dev"), "models": kw.pop("models", None) or ([W.MODEL_LARGE, W.MODEL_MINI], [1, 1]),
            "profile": kw.pop("profile", "consumer"),
        }
        plan.update(kw)
        self.plans.append(plan)
        return plan

    def lognorm_n(self, median, sigma, lo, hi):
        return int(min(hi, max(lo, self.rng.lognormvariate(math.log(median), sigma))))

    def adopt(self, pop_kind):
        """When (if ever) an account moves traffic to the new model."""
        rng = self.rng
        if pop_kind == "fast":
            return (W.RELEASE_MS + int(rng.uniform(0.3, 8) * W.HOUR), rng.uniform(0.5, 1.0))
        if pop_kind == "normal":
            if rng.random() < 0.35:
                return (W.RELEASE_MS + int(rng.uniform(6, 60) * W.HOUR), rng.uniform(0.2, 0.9))
            return None
        return None

    def ua_set(self, kinds=None, k=1):
        rng = self.rng
        kinds = kinds or W.GENERIC_UA_KINDS
        return [W.ua_pick(rng, rng.choice(kinds)) for _ in range(k)]

    def country_for(self, lang):
        return self.rng.choice(W.LANG_COUNTRIES.get(lang, ["US"]))

    # ------------------------------------------------------------ shared network pools
    def build_pools(self):
        rng = self.rng
        countries = ["US", "BR", "IN", "ID", "VN", "RU", "TR", "MX", "PH", "TH", "MY", "UA", "EG", "NG", "AR", "CO", "PK", "KR", "JP", "DE"]
        self.pools["resproxy"] = [W.resi_ip(rng, rng.choice(countries)) for _ in range(2600)]
        vpn_blocks = [W.cloud_block(rng) for _ in range(9)]
        self.pools["vpn"] = ["%s.%d" % (b, rng.randrange(2, 254)) for b in vpn_blocks for _ in range(18)]
        gw_block = W.cloud_block(rng)
        self.pools["gateway"] = ["%s.%d" % (gw_block, 10 + i) for i in range(8)] + ["%s.%d" % (W.cloud_block(rng), 40 + i) for i in range(4)]

    # ------------------------------------------------------------ campaigns
    def campaign(self, cid, tactics, style, pop):
        self.campaigns[cid] = {"tactics": tactics, "account_ids": [], "style": style, "population": pop}
        return self.campaigns[cid]

    def mal(self, cid, fn, meta, created, country, tz, n, ua, net, **kw):
        c = self.campaigns[cid]
        p = self.add(c["population"], fn, meta, created, country, tz, n, ua, net, label="malicious", cid=cid, tactics=list(c["tactics"]), **kw)
        c["account_ids"].append(meta["account_id"])
        return p

    def plan_campaigns(self):
        rng = self.rng
        sc = self.scale
        # C01 hydra -------------------------------------------------------------------
        c = self.campaign("C01-hydra", ["reasoning-harvest", "capability-sweep"],
                          "Hydra network: hundreds of low-volume accounts behind a rotating residential-proxy pool, CoT elicitation (EN/ZH) and "
                          "taxonomy sweeps mixed with ordinary cover prompts; some traffic rides on two legitimate resellers as end users.",
                          "hydra-proxy-network")
        camp = {"systems": rng.sample(S.REASON_SYSTEMS, 3), "sys_frac": 0.45, "zh_frac": 0.45, "reason_frac": 0.62}
        self.hydra_camp = camp
        waves = [W.T0 - rng.randint(3, 25) * W.DAY + rng.randrange(W.DAY) for _ in range(4)]
        cards = [W.pay_fp(rng) for _ in range(max(3, int(11 * sc)))]
        pinned_ua = "OpenAI/Python 1.30.1"
        for i in range(max(8, int(330 * sc))):
            aid = self.new_id()
            if rng.random() < 0.8:
                created = rng.choice(waves) + int(rng.uniform(0, 3) * W.HOUR)
            else:
                created = W.created_ms(rng, "old")   # bought aged accounts
            email = rng.choices(["gmail.com", "outlook.com", "qq.com", "163.com", "hotmail.com", "inboxkite.net", "mailvora.com"],
                                weights=[30, 18, 10, 5, 7, 16, 14])[0]
            country = rng.choice(["US", "SG", "HK", "MY", "JP", "GB", "CA", "US", "US"])
            pay = rng.choice(cards) if rng.random() < 0.78 else None
            tier = "free" if pay is None else rng.choice(["tier-1", "tier-1", "tier-2"])
            meta = self.meta(aid, created, email, pay, None if rng.random() < 0.9 else W.org_name(rng)[0], country, tier)
            ua = [pinned_ua] if rng.random() < 0.7 else self.ua_set(["httpx", "openai-py", "aiohttp"], 1)
            net = {"kind": "pool", "pool": "resproxy", "sticky": 0.0 if rng.random() < 0.7 else rng.uniform(0.5, 3)}
            self.mal("C01-hydra", C.gen_hydra, meta, created, country, 8, self.lognorm_n(38, 0.55, 10, 140), ua, net,
                     camp=camp, cover=rng.uniform(0.1, 0.5), style=self.style("harvest"),
                     adopt=(W.RELEASE_MS + int(rng.uniform(0.5, 30) * W.HOUR), 0.5) if rng.random() < 0.6 else None,
                     err=(0.02, 0.003, 0.002))
        # C02 slow and low ---------------------------------------------------------------
        self.campaign("C02-slowdrip", ["reasoning-harvest"],
                      "Slow-and-low: a handful of aged, unrelated-looking accounts each sending a few dozen reasoning-elicitation prompts a day "
                      "in European office hours; only tie is an identical parameter fingerprint (temperature 0.7, max_tokens 6000) and wrapper wording.",
                      "slow-drip-reasoning")
        camp2 = {"wraps": rng.sample(S.REASON_WRAP_EN, 5), "temperature": 0.7, "max_tokens": 6000}
        for i in range(max(2, int(round(6 * sc)))):
            aid = self.new_id()
            country = rng.choice(["DE", "NL", "FR", "PL", "GB", "SE", "CH", "IE"])
            created = W.created_ms(rng, "old")
            org, stem = W.org_name(rng)
            meta = self.meta(aid, created, W.org_domain(rng, stem) if rng.random() < 0.6 else rng.choice(W.FREEMAIL["en"]),
                             W.pay_fp(rng), org if rng.random() < 0.7 else None, country, rng.choice(["tier-2", "tier-3"]))
            self.mal("C02-slowdrip", C.gen_slow_reason, meta, created, country, W.COUNTRY_TZ[country], rng.randint(90, 190),
                     self.ua_set(None, 1), {"kind": "resi", "country": country, "v6": 0.2}, camp=camp2, cover=0.2)
        # C03 launch-day rush -------------------------------------------------------------------
        self.campaign("C03-launchrush", ["capability-sweep", "reasoning-harvest"],
                      "Launch-day rush: a sign-up wave two days before the lyra-2.5-large release, quiet until release, then 24/7 high-rate "
                      "sweeps on the new model within an hour; one hosting /16, one pinned aiohttp UA, look-alike e-mail domains, distinct cards.",
                      "launch-day-rush")
        camp3 = {"reason_frac": 0.4}
        wave = W.T0 + 1 * W.DAY + 10 * W.HOUR
        b16 = "45.%d" % rng.randint(60, 90)
        blocks = ["%s.%d" % (b16, rng.randrange(256)) for _ in range(3)]
        domains = ["brightpath-ai.com", "brightpath-labs.io", "brightpathdata.co", "bpath-research.com", "brightpath.dev"]
        for i in range(max(3, int(37 * sc))):
            aid = self.new_id()
            created = wave + int(rng.gauss(0, 2.5) * W.HOUR)
            country = rng.choice(["SG", "US", "GB", "SG"])
            meta = self.meta(aid, created, rng.choice(domains) if rng.random() < 0.75 else "gmail.com", W.pay_fp(rng),
                             rng.choice(["BrightPath", "BrightPath Labs", None, "BP Research"]), country, "tier-1")
            n = self.lognorm_n(380, 0.35, 150, 800)
            self.mal("C03-launchrush", C.gen_launch_rush, meta, created, country, 8, n, ["Python/3.11 aiohttp/3.9.5"],
                     {"kind": "blocks", "blocks": blocks}, camp=camp3, n_pre=rng.randint(3, 15), probe=rng.random() < 0.3,
                     delay_min=rng.randint(12, 75), style={"temperature": 0.7, "max_tokens": 4096}, err=(0.03, 0.003, 0.001))
        # C04 agent traces ---------------------------------------------------------------------
        self.campaign("C04-toolfarm", ["agentic-harvest"],
                      "Tool-trace farm: mid-age accounts posing as different startups, generating short synthetic agent trajectories with "
                      "randomly re-drawn tool schemas and environment prompts that ask the model to narrate its reasoning; 3 cloud /24s, "
                      "3 shared cards, one pinned JS SDK version.",
                      "agent-trajectory-farm")
        camp4 = {"narrate": "Before every tool call, explain your full reasoning in detail."}
        blocks4 = [W.cloud_block(rng) for _ in range(3)]
        cards4 = [W.pay_fp(rng) for _ in range(3)]
        for i in range(max(2, int(20 * sc))):
            aid = self.new_id()
            created = W.created_ms(rng, "mid")
            org, stem = W.org_name(rng)
            country = rng.choice(["US", "SG", "HK", "CA"])
            meta = self.meta(aid, created, W.org_domain(rng, stem), rng.choice(cards4), org, country, rng.choice(["tier-2", "tier-3"]))
            self.mal("C04-toolfarm", C.gen_agent_farm, meta, created, country, 0, self.lognorm_n(420, 0.4, 150, 900), ["OpenAI/JS 4.67.3"],
                     {"kind": "blocks", "blocks": blocks4}, camp=camp4, style={"temperature": 0.6, "max_tokens": 2048},
                     adopt=(W.RELEASE_MS + int(rng.uniform(1, 10) * W.HOUR), 0.8) if rng.random() < 0.5 else None)
        # C05 logit-bias sweep ------------------------------------------------------------------------
        self.campaign("C05-biassweep", ["logit-extraction"],
                      "Logit-bias sweep: three accounts in one VPS /24 at night, max_tokens=1, top_logprobs=20, logit_bias +100 on consecutive "
                      "token-id windows over disjoint id ranges, few fixed prompts, fixed seed.",
                      "logit-bias-sweep")
        camp5 = {"width": 19, "seed": 1234, "model": W.MODEL_LARGE,
                 "prompts": ["The", "Hello", "Once upon a time", "In 1887,", "def f(x):", "1, 2, 3,", "Le", "数据"]}
        b5 = W.cloud_block(rng)
        n5 = max(1, int(round(3 * sc)))
        for i in range(n5):
            aid = self.new_id()
            created = W.created_ms(rng, "mid")
            country = rng.choice(["DE", "NL", "FI", "LT"])
            meta = self.meta(aid, created, rng.choice(["proton.me", "gmail.com", "tutanota.com"]), W.pay_fp(rng), None, country, "tier-2")
            span = W.VOCAB_SIZE // n5
            self.mal("C05-biassweep", C.gen_logit_sweep, meta, created, country, 2, rng.randint(2300, 3600),
                     ["python-requests/2.31.0"] if i % 3 != 2 else ["curl/8.5.0"],
                     {"kind": "fixed", "ips": ["%s.%d" % (b5, 20 + i), "%s.%d" % (b5, 21 + i)]}, camp=camp5,
                     id_range=(i * span, (i + 1) * span), prompt_offset=i)
        # C06 vocab prober ---------------------------------------------------------------------
        self.campaign("C06-vocabprobe", ["logit-extraction"],
                      "Single aged account calling the legacy completions endpoint with random-prefix prompts, max_tokens=1 and top_logprobs=20 "
                      "(full next-token distributions), a steady ~100/day in office hours, with some ordinary chat as cover.",
                      "random-prefix-prober")
        aid = self.new_id()
        created = W.created_ms(rng, "old")
        meta = self.meta(aid, created, "gmail.com", W.pay_fp(rng), "Independent researcher", "US", "tier-2")
        self.mal("C06-vocabprobe", C.gen_vocab_prober, meta, created, "US", -5, rng.randint(600, 850), ["python-httpx/0.27.0"],
                 {"kind": "resi", "country": "US", "v6": 0.5}, cover=0.12)
        # C07 JbDA -------------------------------------------------------------------------
        self.campaign("C07-jbda", ["classifier-extraction"],
                      "Jacobian-based augmentation against /v1/predict: a small seed set of realistic applicants, then rounds of points "
                      "pushed along the sign of the prediction gradient, hours apart; one /24, two cards, one requests UA.",
                      "jbda-substitute")
        b7 = W.cloud_block(rng)
        cards7 = [W.pay_fp(rng) for _ in range(2)]
        for i in range(max(2, int(round(7 * sc)))):
            aid = self.new_id()
            created = W.created_ms(rng, "recent")
            country = rng.choice(["US", "IN", "GB"])
            meta = self.meta(aid, created, rng.choice(["gmail.com", "outlook.com", "yahoo.com"]), rng.choice(cards7), None, country, "tier-1")
            seeds = [W.real_applicant(rng) for _ in range(rng.randint(25, 45))]
            self.mal("C07-jbda", C.gen_jbda, meta, created, country, 5, 0, ["python-requests/2.31.0"], {"kind": "blocks", "blocks": [b7]},
                     seeds=seeds, rounds=rng.randint(4, 6), cap=rng.randint(900, 1600), clip=rng.random() < 0.5)
        # C08 equation solving -----------------------------------------------------------------
        self.campaign("C08-eqsolve", ["classifier-extraction"],
                      "Two unrelated-looking accounts sending uniform-random feature vectors in batches of 13 (d+1) plus bisection line searches, "
                      "both firing at minute :07 of the same hours (synchronised cron); nothing else shared.",
                      "equation-solving-pair")
        hours = sorted(rng.sample([W.T0 + h * W.HOUR for h in range(W.WINDOW_DAYS * 24)], 75))
        camp8 = {"hours": hours}
        for i, country in enumerate(["BR", "PT"][:max(1, int(round(2 * min(1, sc))))]):
            aid = self.new_id()
            created = W.created_ms(rng, "mid")
            meta = self.meta(aid, created, rng.choice(["gmail.com", "hotmail.com"]) if i == 0 else "uol.com.br", W.pay_fp(rng),
                             None, country, "tier-1")
            self.mal("C08-eqsolve", C.gen_eqsolve, meta, created, country, -3, 0, [W.ua_pick(rng, ["requests", "go"][i])],
                     {"kind": "resi", "country": country, "v6": 0.0} if i == 0 else {"kind": "fixed", "ips": [W.ip_in(rng, W.cloud_block(rng))]},
                     camp=camp8)
        # C09 prompt extraction ------------------------------------------------------------
        self.campaign("C09-promptleak", ["prompt-extraction"],
                      "Hidden-instruction extraction: a sign-up wave inside the window from disposable e-mail domains, many phrasings and "
                      "languages repeated across all models (including the new one); residential IPs in many countries, free tier.",
                      "prompt-leak-wave")
        wave9 = W.T0 + 1 * W.DAY + 19 * W.HOUR
        for i in range(max(2, int(11 * sc))):
            aid = self.new_id()
            created = wave9 + int(rng.uniform(0, 2.5) * W.HOUR)
            country = rng.choice(["VN", "ID", "RU", "TR", "BR", "IN", "CN", "UA"])
            meta = self.meta(aid, created, rng.choice(["tempbox.cc", "dropmail.one", "yopmail.net"]), None, None, country, "free")
            self.mal("C09-promptleak", C.gen_prompt_leak, meta, created, country, W.COUNTRY_TZ[country], rng.randint(25, 130),
                     self.ua_set(["openai-py", "requests", "node", "curl"], 2), {"kind": "resi", "country": country, "v6": 0.2, "roam": 0.2},
                     style=self.style("dev"), err=(0.01, 0.002, 0.01))
        # C10 judge farm ---------------------------------------------------------------------
        self.campaign("C10-judgefarm", ["preference-harvest"],
                      "Preference harvest: pairwise comparisons, rubric scores and n=4 samples to build reward-model data; sign-up wave 10 days "
                      "before the window, privacy mail, commercial VPN exits shared with ordinary VPN users, one evaluator system prompt.",
                      "judge-farm")
        camp10 = {"sys": rng.choice(S.JUDGE_SYSTEMS[:3]), "n_samples": 4}
        wave10 = W.T0 - 10 * W.DAY + 9 * W.HOUR
        for i in range(max(2, int(25 * sc))):
            aid = self.new_id()
            created = wave10 + int(rng.uniform(0, 5) * W.HOUR)
            country = rng.choice(["US", "GB", "DE", "CA", "AU"])
            meta = self.meta(aid, created, rng.choice(W.PRIVACY_MAIL), W.pay_fp(rng) if rng.random() < 0.7 else None, None, country,
                             rng.choice(["tier-1", "free"]))
            self.mal("C10-judgefarm", C.gen_judge_farm, meta, created, country, rng.choice([3, 8, -5]), self.lognorm_n(260, 0.4, 100, 520),
                     ["python-requests/2.32.3"], {"kind": "pool", "pool": "vpn", "sticky": rng.uniform(1, 8)}, camp=camp10,
                     style={"temperature": 0.3, "max_tokens": 1500},
                     adopt=(W.RELEASE_MS + int(rng.uniform(1, 20) * W.HOUR), 0.6))
        # C11 polyglot -----------------------------------------------------------------------
        self.campaign("C11-polyglot", ["capability-sweep"],
                      "Multilingual capability sweep through ~100 aged, purchased-looking accounts with native-looking metadata (freemail, "
                      "local country, own card, local residential IP); 2-4 bursts each at a steady 15-45 s cadence; ties are only the "
                      "shared instruction template ('answer completely and in a structured way' in each language) and the cadence.",
                      "polyglot-sweep")
        langs = list(S.SWEEP_INTL)
        for i in range(max(4, int(105 * sc))):
            aid = self.new_id()
            l1 = rng.choice(langs)
            ls = [l1] if rng.random() < 0.7 else [l1, rng.choice(langs)]
            country = self.country_for(l1)
            created = W.created_ms(rng, "old")
            mail = rng.choice(W.FREEMAIL.get(l1, W.FREEMAIL["en"]))
            meta = self.meta(aid, created, mail, W.pay_fp(rng) if rng.random() < 0.8 else None,
                             None if rng.random() < 0.85 else W.org_name(rng)[0], country, rng.choice(["free", "tier-1", "tier-1"]))
            self.mal("C11-polyglot", C.gen_polyglot, meta, created, country, W.COUNTRY_TZ[country], self.lognorm_n(55, 0.5, 20, 140),
                     self.ua_set(None, 1), {"kind": "resi", "country": country, "v6": 0.35, "roam": 0.3}, langs=ls, cover=0.1,
                     style=self.style("dev"), models=([W.MODEL_LARGE, W.MODEL_MINI], [3, 1]))
        # C12 insider --------------------------------------------------------------------------
        self.campaign("C12-sidejob", ["reasoning-harvest", "prompt-extraction"],
                      "A genuine startup account whose product traffic is normal, but a second API key runs a nightly reasoning-harvest "
                      "and instruction-extraction job from a home IP with a different client.",
                      "insider-side-job")
        aid = self.new_id()
        created = W.created_ms(rng, "old")
        org, stem = W.org_name(rng)
        country = "CA"
        meta = self.meta(aid, created, W.org_domain(rng, stem), W.pay_fp(rng), org, country, "tier-3")
        ks = self.keys(2)
        self.mal("C12-sidejob", C.gen_insider, meta, created, country, -5, self.lognorm_n(900, 0.3, 500, 1500), [W.ua_pick(rng, "openai-js")],
                 {"kind": "fixed", "ips": [W.ip_in(rng, W.cloud_block(rng)) for _ in range(3)]}, keys=ks, keys_main=ks[:1],
                 persona=T.fill(rng.choice(B.APP_PERSONAS), {"app": org.split()[0], "date": "2026-06-10"}), users=800, user_prefix="u-",
                 n_side=rng.randint(350, 520), style=self.style("app"), profile="consumer")

    # ------------------------------------------------------------ benign
    def plan_benign(self, target):
        rng = self.rng
        sc = self.scale = 0.955 * target / 1890.0   # benign base counts below add up to ~1890 accounts
        start = len(self.plans)

        def cnt(base):
            return max(1, int(round(base * sc)))

        def created_any():
            return W.created_ms(rng, rng.choices(["old", "mid", "recent"], weights=[65, 25, 10])[0])

        def indiv_meta(aid, lang, created, tier=None, email=None):
            country = self.country_for(lang)
            tier = tier or rng.choices(["free", "tier-1", "tier-2"], weights=[50, 40, 10])[0]
            pay = W.pay_fp(rng) if tier != "free" else None
            return self.meta(aid, created, email or rng.choice(W.FREEMAIL.get(lang, W.FREEMAIL["en"])), pay, None, country, tier), country

        def org_meta(aid, created, tier, country=None, org=None, domain=None, pay=None):
            country = country or rng.choice(["US", "US", "US", "GB", "DE", "FR", "JP", "IN", "BR", "CA", "NL", "SG", "KR", "ES", "AU", "CN"])
            if org is None:
                org, stem = W.org_name(rng)
                domain = domain or W.org_domain(rng, stem)
            return self.meta(aid, created, domain, pay or W.pay_fp(rng), org if rng.random() < 0.85 else None, country, tier), country, org

        # ---- individuals ---------------------------------------------------------
        for i in range(cnt(470)):
            aid = self.new_id()
            lang = "en"
            created = created_any()
            meta, country = indiv_meta(aid, lang, created)
            self.add("hobbyist-dev", B.gen_hobbyist, meta, created, country, W.COUNTRY_TZ.get(country, 0), self.lognorm_n(14, 1.0, 1, 500),
                     self.ua_set(None, rng.choice([1, 1, 2])), {"kind": "resi", "country": country, "v6": 0.3, "roam": 0.3 if rng.random() < 0.2 else 0},
                     adopt=self.adopt("normal"),
                     sys="You are a helpful assistant." if rng.random() < 0.3 else None)
        ml_langs = ["zh", "ja", "ko", "es", "pt", "de", "fr", "ru", "it", "id", "vi", "tr", "ar", "hi", "pl", "nl"]
        for i in range(cnt(170)):
            aid = self.new_id()
            lang = rng.choice(ml_langs)
            created = created_any()
            meta, country = indiv_meta(aid, lang, created)
            self.add("multilingual-consumer", B.gen_hobbyist, meta, created, country, W.COUNTRY_TZ.get(country, 0), self.lognorm_n(16, 1.0, 1, 400),
                     self.ua_set(None, 1), {"kind": "resi", "country": country, "v6": 0.3, "roam": 0.3 if rng.random() < 0.25 else 0}, lang=lang,
                     adopt=self.adopt("normal"))
        for i in range(cnt(45)):
            aid = self.new_id()
            lang = "zh" if rng.random() < 0.35 else "en"
            created = created_any()
            meta, country = indiv_meta(aid, lang, created, tier=rng.choice(["tier-1", "tier-2", "edu"]))
            if rng.random() < 0.4:
                meta["email_domain"] = rng.choice(W.UNIV_DOMAINS)
            self.add("power-reasoner", B.gen_power_reasoner, meta, created, country, W.COUNTRY_TZ.get(country, 0), self.lognorm_n(45, 0.8, 5, 300),
                     self.ua_set(["openai-py", "httpx", "curl", "requests"], 1), {"kind": "resi", "country": country, "v6": 0.3},
                     profile=rng.choice(["consumer", "student", "office"]), lang=lang, adopt=self.adopt("fast") if rng.random() < 0.4 else None)
        for i in range(cnt(120)):
            aid = self.new_id()
            lang = rng.choice(["en"] * 6 + ml_langs)
            created = W.created_ms(rng, "in_window")
            meta, country = indiv_meta(aid, lang, created, tier="free",
                                       email=rng.choice(W.FREEMAIL.get(lang, W.FREEMAIL["en"]) + ["tempbox.cc"] * (1 if rng.random() < 0.05 else 0)))
            self.add("new-signup-trial", B.gen_new_signup, meta, created, country, W.COUNTRY_TZ.get(country, 0), self.lognorm_n(8, 0.8, 1, 60),
                     self.ua_set(["curl", "openai-py", "requests", "postman", "node"], 1), {"kind": "resi", "country": country, "v6": 0.3}, lang=lang,
                     models=([W.MODEL_MINI, W.MODEL_LARGE, W.MODEL_NEW], [3, 3, 1]))
        for i in range(cnt(60)):
            aid = self.new_id()
            created = created_any()
            meta, country = indiv_meta(aid, "en", created, email=rng.choice(W.PRIVACY_MAIL))
            self.add("vpn-privacy-user", B.gen_hobbyist, meta, created, country, W.COUNTRY_TZ.get(country, 0), self.lognorm_n(22, 0.9, 2, 300),
                     self.ua_set(["openai-py", "requests", "curl", "httpx"], 1), {"kind": "pool", "pool": "vpn", "sticky": rng.uniform(1, 12)})
        # ---- products ------------------------------------------------------------------
        for i in range(cnt(120)):
            aid = self.new_id()
            created = W.created_ms(rng, rng.choice(["old", "old", "mid"]))
            meta, country, org = org_meta(aid, created, rng.choice(["tier-2", "tier-3", "tier-4", "enterprise"]))
            lang = {"JP": "ja", "KR": "ko", "DE": "de", "FR": "fr", "BR": "pt", "ES": "es", "CN": "zh"}.get(country, "en")
            ips = [W.ip_in(rng, W.cloud_block(rng)) for _ in range(rng.randint(2, 5))]
            self.add("chat-app", B.gen_chat_app, meta, created, country, W.COUNTRY_TZ.get(country, 0), self.lognorm_n(300, 0.9, 40, 4000),
                     [W.ua_pick(rng, rng.choice(["openai-js", "openai-py", "go", "java", "dotnet"]))], {"kind": "fixed", "ips": ips},
                     persona=T.fill(rng.choice(B.APP_PERSONAS), {"app": (org or "Nova").split()[0], "date": "2026-06-%02d" % rng.randint(8, 14)}),
                     users=rng.choice([0, 200, 1500, 20000]), user_prefix=rng.choice(["u_", "usr-", "", "anon-"]), lang=lang,
                     style=self.style("app"), models=([W.MODEL_MINI, W.MODEL_LARGE], [rng.random(), rng.random()]), adopt=self.adopt("normal"),
                     err=(0.01, 0.002, 0.001))
        for i in range(cnt(100)):
            aid = self.new_id()
            created = created_any()
            meta, country, org = org_meta(aid, created, rng.choice(["tier-2", "tier-3", "tier-4"]))
            tools = None
            if rng.random() < 0.4:
                tools = [C.ALL_TOOLDEFS[j] for j in (1, 2, 3, 4, 6)]
            self.add("coding-tool", B.gen_coding_tool, meta, created, country, W.COUNTRY_TZ.get(country, 0), self.lognorm_n(170, 1.0, 15, 2500),
                     [W.ua_pick(rng, rng.choice(["openai-js", "openai-py", "litellm"]))], {"kind": "fixed", "ips": [W.ip_in(rng, W.cloud_block(rng)) for _ in range(3)]},
                     sys=T.fill(rng.choice(B.CODE_SYSTEMS), {"app": (org or "Codely").split()[0], "file": rng.choice(B.FILES)}),
                     plangs=rng.sample(E.PLANGS, 4), tools=tools, users=rng.choice([0, 50, 400]), style=self.style("dev"),
                     models=([W.MODEL_LARGE, W.MODEL_MINI], [3, 1]), adopt=self.adopt("fast") if rng.random() < 0.3 else self.adopt("normal"),
                     profile="office")
        for i in range(cnt(100)):
            aid = self.new_id()
            created = W.created_ms(rng, rng.choice(["old", "mid"]))
            meta, country, org = org_meta(aid, created, rng.choice(["tier-3", "enterprise"]))
            block = W.cloud_block(rng) if rng.random() < 0.5 else None
            net = {"kind": "fixed", "ips": [W.ip_in(rng, block) for _ in range(2)]} if block else {"kind": "fixed", "ips": [W.resi_ip(rng, country)]}
            self.add("rag-enterprise", B.gen_rag, meta, created, country, W.COUNTRY_TZ.get(country, 0), self.lognorm_n(150, 0.8, 15, 1500),
                     [W.ua_pick(rng, rng.choice(["openai-py", "langchain", "dotnet", "java"]))], net,
                     org=org or "the company", sys=T.fill(rng.choice(E.RAG_SYSTEM), {"org": org or "the company"}),
                     users=rng.choice([0, 300, 3000]), style=self.style("det"), profile="office",
                     models=([W.MODEL_SNAPSHOT, W.MODEL_LARGE, W.MODEL_MINI], [2, 1, 1]))
        for i in range(cnt(65)):
            aid = self.new_id()
            created = created_any()
            meta, country, org = org_meta(aid, created, rng.choice(["tier-3", "tier-4", "enterprise"]))
            tz = W.COUNTRY_TZ.get(country, 0)
            hour = rng.choice([1, 2, 3, 22, 23])
            runs = []
            for d in range(7):
                if rng.random() < (0.9 if d < 5 else 0.4):
                    runs.append(W.T0 + d * W.DAY + ((hour - tz) % 24) * W.HOUR + rng.randrange(600000))
            self.add("batch-pipeline", B.gen_batch, meta, created, country, tz, self.lognorm_n(330, 0.8, 40, 3000),
                     [W.ua_pick(rng, rng.choice(["requests", "openai-py", "aiohttp", "go"]))], {"kind": "fixed", "ips": [W.ip_in(rng, W.cloud_block(rng))]},
                     tpls=rng.sample(E.BATCH_TEMPLATES, rng.randint(1, 2)), runs=runs, gap_ms=rng.choice([150, 400, 900, 2000]),
                     sys=None if rng.random() < 0.6 else "You are a precise data-processing assistant. Follow the output format exactly.",
                     style={"temperature": 0}, models=([W.MODEL_MINI], [1]), err=(0.006, 0.002, 0.001))
        for i in range(cnt(40)):
            aid = self.new_id()
            created = created_any()
            meta, country, org = org_meta(aid, created, rng.choice(["tier-3", "tier-4", "enterprise"]))
            tools = rng.sample(C.ALL_TOOLDEFS[:12], rng.randint(4, 7))
            self.add("agent-platform", B.gen_agent_platform, meta, created, country, W.COUNTRY_TZ.get(country, 0), self.lognorm_n(340, 0.7, 50, 2500),
                     [W.ua_pick(rng, rng.choice(["openai-py", "openai-js", "langchain"]))], {"kind": "fixed", "ips": [W.ip_in(rng, W.cloud_block(rng)) for _ in range(4)]},
                     tools=tools, sys=rng.choice(S.AGENT_ENV_SYSTEMS[:6]).replace(" Narrate your reasoning before each action.", "").replace(" Think before each tool call and explain your plan.", ""),
                     tasks=rng.sample(S.AGENT_TASKS, 12), users=rng.choice([30, 300, 2000]), style={"temperature": 0.2, "max_tokens": 4096},
                     models=([W.MODEL_LARGE], [1]), adopt=self.adopt("fast") if rng.random() < 0.5 else None, profile="business_global")
        for i in range(cnt(30)):
            aid = self.new_id()
            created = created_any()
            if rng.random() < 0.4:
                meta, country = indiv_meta(aid, "en", created, tier="edu", email=rng.choice(W.UNIV_DOMAINS))
            else:
                meta, country, org = org_meta(aid, created, rng.choice(["tier-3", "enterprise"]))
            bank = [T.mcq(rng) for _ in range(rng.randint(60, 200))]
            runs = []
            for d in rng.sample(range(3), rng.randint(1, 2)):
                runs.append((W.T0 + d * W.DAY + rng.randrange(W.DAY), rng.choice([W.MODEL_LARGE, W.MODEL_MINI])))
            runs.append((W.RELEASE_MS + int(rng.uniform(0.4, 6) * W.HOUR), W.MODEL_NEW))
            if rng.random() < 0.6:
                runs.append((W.RELEASE_MS + int(rng.uniform(10, 50) * W.HOUR), W.MODEL_NEW))
            self.add("eval-harness", B.gen_eval_harness, meta, created, country, 0, self.lognorm_n(450, 0.6, 80, 2500),
                     [W.ua_pick(rng, rng.choice(["openai-py", "aiohttp", "httpx", "litellm"]))], {"kind": "fixed", "ips": [W.ip_in(rng, W.cloud_block(rng))]},
                     bank=bank, runs=runs, mt=rng.choice([1, 5, 16, 256]), gap_ms=rng.choice([200, 500, 1500]), sys=rng.choice(S.EVAL_SYSTEMS),
                     judge=rng.random() < 0.5, err=(0.01, 0.002, 0.001))
        # universities: shared NAT blocks for researchers and classes
        unis = []
        for u in range(max(2, cnt(6))):
            unis.append({"domain": W.UNIV_DOMAINS[u % len(W.UNIV_DOMAINS)],
                         "block": "%d.%d.%d" % (rng.choice([128, 129, 130, 131, 137, 141, 143, 146, 147, 155, 192]), rng.randrange(256), rng.randrange(256)),
                         "country": rng.choice(["US", "GB", "DE", "CH", "JP", "CA", "NL", "KR", "SG", "AU"])})
        for i in range(cnt(30)):
            aid = self.new_id()
            created = created_any()
            u = rng.choice(unis)
            meta = self.meta(aid, created, u["domain"], W.pay_fp(rng) if rng.random() < 0.8 else None, rng.choice([None, "University lab"]),
                             u["country"], rng.choice(["edu", "tier-1", "tier-2"]))
            self.add("logprob-research", B.gen_logprob_research, meta, created, u["country"], W.COUNTRY_TZ.get(u["country"], 0),
                     self.lognorm_n(500, 0.8, 60, 3000), [W.ua_pick(rng, rng.choice(["openai-py", "httpx", "aiohttp", "r"]))],
                     {"kind": "fixed", "ips": ["%s.%d" % (u["block"], rng.randrange(2, 30)) for _ in range(2)]},
                     topk=rng.choice([5, 10, 20, 20]), completions=rng.random() < 0.4, profile=rng.choice(["office", "student", "flat"]),
                     sess=rng.choice([30, 80, 200]), gap=rng.choice([0.8, 2.0, 5.0]), adopt=self.adopt("fast") if rng.random() < 0.5 else None)
        for i in range(cnt(22)):
            aid = self.new_id()
            created = created_any()
            meta, country, org = org_meta(aid, created, rng.choice(["tier-3", "tier-4", "enterprise"]))
            t0, t1 = rng.choice([(15, 16), (16, 17), (28, 29), (15, 16)])
            bias = {str(t0): 100, str(t1): 100}
            if rng.random() < 0.3:
                bias.update({str(rng.randrange(W.VOCAB_SIZE)): -100 for _ in range(rng.randint(3, 30))})
            self.add("moderation-logit-bias", B.gen_moderation, meta, created, country, W.COUNTRY_TZ.get(country, 0), self.lognorm_n(700, 0.7, 150, 4500),
                     [W.ua_pick(rng, rng.choice(["go", "java", "openai-py", "node"]))], {"kind": "fixed", "ips": [W.ip_in(rng, W.cloud_block(rng)) for _ in range(2)]},
                     sys=rng.choice(S.MODERATION_SYSTEMS), bias=bias, lp=rng.random() < 0.35, mod_model=rng.choice([W.MODEL_MINI, W.MODEL_MINI, W.MODEL_LARGE]),
                     err=(0.004, 0.002, 0.0005))
        # classrooms: shared NAT, sign-up wave, shared assignment templates, synchronised lab sessions
        n_cls = max(1, cnt(4))
        for ci in range(n_cls):
            u = unis[ci % len(unis)]
            tz = W.COUNTRY_TZ.get(u["country"], 0)
            course = rng.choice(COURSES)
            sessions = []
            for d, h in rng.sample([(0, 10), (1, 14), (2, 9), (3, 14), (4, 11), (1, 16), (3, 10)], 2):
                sessions.append(W.T0 + d * W.DAY + ((h - tz) % 24) * W.HOUR)
            in_window_start = ci == 0 and rng.random() < 0.7
            wave = (W.T0 + ((9 - tz) % 24) * W.HOUR) if in_window_start else W.T0 - rng.randint(15, 40) * W.DAY
            cls = {"course": course, "sessions": sessions, "nat": ["%s.%d" % (u["block"], rng.randrange(200, 254))],
                   "assign": rng.sample(CLASS_ASSIGN, 6), "topics": rng.choice(CLASS_TOPICS)}
            for sidx in range(rng.randint(max(3, int(25 * min(1, sc))), max(4, int(45 * min(1, sc))))):
                aid = self.new_id()
                created = wave + int(rng.uniform(0, 26) * W.HOUR)
                meta = self.meta(aid, created, u["domain"], None, None, u["country"], rng.choice(["edu", "free"]))
                self.add("classroom", B.gen_classroom_student, meta, created, u["country"], tz, self.lognorm_n(18, 0.6, 3, 80),
                         self.ua_set(["openai-py", "requests", "browser"], 1), {"kind": "resi", "country": u["country"], "v6": 0.3}, **{"class": cls},
                         models=([W.MODEL_MINI], [1]))
        # companies sharing one card across several accounts
        for gi in range(cnt(22)):
            org, stem = W.org_name(rng)
            domain = W.org_domain(rng, stem)
            pay = W.pay_fp(rng)
            country = rng.choice(["US", "GB", "DE", "IN", "BR", "JP", "FR", "CA"])
            block = W.cloud_block(rng)
            for j in range(rng.randint(2, 6)):
                aid = self.new_id()
                created = W.created_ms(rng, rng.choice(["old", "mid", "recent"]))
                meta = self.meta(aid, created, domain, pay, rng.choice([org, org + " (staging)", org.split()[0], None]), country,
                                 rng.choice(["tier-2", "tier-3"]))
                kind = rng.choice(["chat", "rag", "code", "dev", "dev"])
                tz = W.COUNTRY_TZ.get(country, 0)
                net = {"kind": "fixed", "ips": [W.ip_in(rng, block) for _ in range(2)]}
                if kind == "chat":
                    self.add("shared-card-company", B.gen_chat_app, meta, created, country, tz, self.lognorm_n(200, 0.8, 20, 1500), self.ua_set(None, 1), net,
                             persona=T.fill(rng.choice(B.APP_PERSONAS), {"app": org.split()[0], "date": "2026-06-09"}), users=500, user_prefix="c",
                             style=self.style("app"), lang="en")
                elif kind == "rag":
                    self.add("shared-card-company", B.gen_rag, meta, created, country, tz, self.lognorm_n(120, 0.8, 10, 900), self.ua_set(None, 1), net,
                             org=org, sys=T.fill(rng.choice(E.RAG_SYSTEM), {"org": org}), users=0, style=self.style("det"), profile="office")
                elif kind == "code":
                    self.add("shared-card-company", B.gen_coding_tool, meta, created, country, tz, self.lognorm_n(120, 0.8, 10, 900), self.ua_set(None, 1), net,
                             sys=T.fill(rng.choice(B.CODE_SYSTEMS), {"app": org.split()[0], "file": rng.choice(B.FILES)}), plangs=rng.sample(E.PLANGS, 3),
                             profile="office")
                else:
                    self.add("shared-card-company", B.gen_hobbyist, meta, created, country, tz, self.lognorm_n(40, 0.9, 2, 400), self.ua_set(None, 2), net,
                             profile="office")
        # resellers / platforms passing end-user ids
        self.resellers = []
        for i in range(cnt(12)):
            aid = self.new_id()
            created = W.created_ms(rng, "old")
            meta, country, org = org_meta(aid, created, "enterprise", country=rng.choice(["US", "SG", "HK", "DE", "IN", "BR", "AE"]))
            langs = rng.sample(["en", "en", "zh", "es", "pt", "ru", "ja", "ko", "id", "vi", "tr", "ar", "hi", "de", "fr"], rng.randint(2, 6))
            p = self.add("reseller-platform", B.gen_reseller, meta, created, country, W.COUNTRY_TZ.get(country, 0), self.lognorm_n(1800, 0.5, 600, 5000),
                         [rng.choice(["ChatHub-Backend/3.2", "aggregator-svc/1.14.2", W.ua_pick(rng, "go"), W.ua_pick(rng, "openai-py")])],
                         {"kind": "fixed", "ips": [W.ip_in(rng, W.cloud_block(rng)) for _ in range(6)]}, langs=langs, users=rng.choice([5000, 40000, 250000]),
                         uprefix=rng.choice(["u", "cust-", "tg_", "wx_"]), style=self.style("app"),
                         models=([W.MODEL_LARGE, W.MODEL_MINI, W.MODEL_THINK], [3, 3, 1]), adopt=self.adopt("fast"), err=(0.015, 0.003, 0.002))
            self.resellers.append(p)
        for i in range(cnt(38)):
            aid = self.new_id()
            created = created_any()
            meta, country, org = org_meta(aid, created, rng.choice(["tier-3", "tier-4"]))
            self.add("translation-service", B.gen_translation, meta, created, country, W.COUNTRY_TZ.get(country, 0), self.lognorm_n(400, 0.7, 50, 3000),
                     [W.ua_pick(rng, rng.choice(["openai-py", "java", "dotnet", "go"]))], {"kind": "fixed", "ips": [W.ip_in(rng, W.cloud_block(rng))]},
                     sys=rng.choice(I.TRANSLATE_SYSTEMS), src_langs=rng.sample(["en", "de", "fr", "es", "zh", "ja", "pt", "ko", "ru", "it"], rng.randint(1, 3)),
                     tgt_langs=rng.sample(list(LANGS_T), rng.randint(3, 9)), style={"temperature": rng.choice([0, 0.2, 0.3])},
                     models=([W.MODEL_MINI, W.MODEL_LARGE], [3, 1]), profile="business_global")
        for i in range(cnt(14)):
            aid = self.new_id()
            created = W.created_ms(rng, "old")
            meta, country, org = org_meta(aid, created, "enterprise")
            self.add("synthetic-data-licensed", B.gen_synth_licensed, meta, created, country, W.COUNTRY_TZ.get(country, 0), self.lognorm_n(700, 0.6, 100, 3000),
                     [W.ua_pick(rng, "openai-py")], {"kind": "fixed", "ips": [W.ip_in(rng, W.cloud_block(rng))]}, org=org or "Acme",
                     product=rng.choice(S.SYNTH_PRODUCTS), models=([W.MODEL_LARGE], [1]), err=(0.02, 0.002, 0.001))
        for i in range(cnt(15)):
            aid = self.new_id()
            created = created_any()
            meta, country, org = org_meta(aid, created, rng.choice(["tier-3", "enterprise"]))
            self.add("red-team", B.gen_redteam, meta, created, country, W.COUNTRY_TZ.get(country, 0), self.lognorm_n(180, 0.7, 20, 900),
                     [W.ua_pick(rng, rng.choice(["openai-py", "httpx", "requests"]))], {"kind": "fixed", "ips": [W.ip_in(rng, W.cloud_block(rng))]},
                     org=org or "Acme", canary="CANARY-%08x" % rng.getrandbits(32), tag=rng.choice(["RT", "SEC", "PI", "JB"]),
                     models=([W.MODEL_LARGE, W.MODEL_MINI], [2, 1]), adopt=self.adopt("fast"))
        for i in range(cnt(28)):
            aid = self.new_id()
            created = created_any()
            meta, country, org = org_meta(aid, created, rng.choice(["tier-2", "tier-3"]), country=rng.choice(["US", "IN", "GB", "CN", "ES", "MX", "SG"]))
            sysm = S.TUTOR_SYSTEMS[3] if country in ("CN", "SG") and rng.random() < 0.6 else (S.TUTOR_SYSTEMS[2] if country in ("ES", "MX") else rng.choice(S.TUTOR_SYSTEMS[:2]))
            self.add("tutoring-app", B.gen_tutoring, meta, created, country, W.COUNTRY_TZ.get(country, 0), self.lognorm_n(420, 0.7, 50, 2500),
                     [W.ua_pick(rng, rng.choice(["openai-js", "openai-py"]))], {"kind": "fixed", "ips": [W.ip_in(rng, W.cloud_block(rng)) for _ in range(2)]},
                     sys=sysm, users=rng.choice([300, 3000, 30000]), style={"temperature": 0.4, "max_tokens": 1200},
                     models=([W.MODEL_LARGE, W.MODEL_MINI], [1, 2]))
        for i in range(cnt(70)):
            aid = self.new_id()
            created = created_any()
            meta, country, org = org_meta(aid, created, rng.choice(["tier-2", "tier-3", "tier-4"]))
            self.add("llm-gateway-customer", B.gen_hobbyist, meta, created, country, W.COUNTRY_TZ.get(country, 0), self.lognorm_n(90, 1.0, 3, 1500),
                     ["Relaygate/2.4.%d" % rng.randint(0, 3)], {"kind": "pool", "pool": "gateway"}, profile=rng.choice(["office", "consumer", "business_global"]),
                     sess=rng.choice([4, 10]), gap=rng.choice([10, 60]), adopt=self.adopt("normal"))
        for i in range(cnt(14)):
            aid = self.new_id()
            created = created_any()
            meta, country, org = org_meta(aid, created, rng.choice(["tier-2", "tier-3"]))
            self.add("uptime-monitor", B.gen_uptime, meta, created, country, 0, 0, [rng.choice(["Datadog Synthetics", "UptimeRobot/2.0", "Checkly/1.0", W.ua_pick(rng, "curl")])],
                     {"kind": "fixed", "ips": [W.ip_in(rng, W.cloud_block(rng))]}, every_min=rng.choice([5, 10, 15, 15, 30]), offset_s=rng.choice([0, 0, 0, 30, 120]),
                     mon_model=rng.choice([W.MODEL_MINI, W.MODEL_LARGE]))
        for i in range(cnt(14)):
            aid = self.new_id()
            created = created_any()
            meta, country = indiv_meta(aid, "en", created, tier=rng.choice(["tier-1", "tier-2"]))
            self.add("misconfigured-client", B.gen_misconfigured, meta, created, country, W.COUNTRY_TZ.get(country, 0), self.lognorm_n(250, 0.7, 40, 1500),
                     self.ua_set(None, 1), {"kind": "fixed", "ips": [W.ip_in(rng, W.cloud_block(rng))]}, err=(0.05, 0.005, 0.01))
        # /v1/predict customers
        for i in range(cnt(55)):
            aid = self.new_id()
            created = created_any()
            meta, country, org = org_meta(aid, created, rng.choice(["tier-2", "tier-3", "enterprise"]))
            tz = W.COUNTRY_TZ.get(country, 0)
            nightly = rng.random() < 0.2
            runs = [W.T0 + d * W.DAY + ((2 - tz) % 24) * W.HOUR + rng.randrange(900000) for d in range(7)] if nightly else []
            self.add("predict-scoring", B.gen_predict_scoring, meta, created, country, tz,
                     self.lognorm_n(60, 0.6, 10, 300) if nightly else self.lognorm_n(200, 0.9, 15, 2000),
                     [W.ua_pick(rng, rng.choice(["java", "go", "requests", "dotnet"]))], {"kind": "fixed", "ips": [W.ip_in(rng, W.cloud_block(rng)) for _ in range(2)]},
                     nightly=nightly, runs=runs, canary=rng.random() < 0.15, profile=rng.choice(["office", "business_global", "flat"]))
        for i in range(cnt(20)):
            aid = self.new_id()
            created = created_any()
            meta, country, org = org_meta(aid, created, rng.choice(["tier-3", "enterprise"]))
            self.add("predict-explainer", B.gen_predict_explainer, meta, created, country, W.COUNTRY_TZ.get(country, 0), self.lognorm_n(90, 0.6, 15, 400),
                     [W.ua_pick(rng, rng.choice(["requests", "httpx", "r"]))], {"kind": "fixed", "ips": [W.ip_in(rng, W.cloud_block(rng))]},
                     method=rng.choice(["lime", "lime-cont", "shap"]))
        for i in range(cnt(10)):
            aid = self.new_id()
            created = created_any()
            meta, country, org = org_meta(aid, created, rng.choice(["tier-2", "tier-3"]))
            self.add("predict-qa-grid", B.gen_predict_qa, meta, created, country, W.COUNTRY_TZ.get(country, 0), self.lognorm_n(40, 0.5, 10, 150),
                     [W.ua_pick(rng, rng.choice(["requests", "postman", "java"]))], {"kind": "fixed", "ips": [W.ip_in(rng, W.cloud_block(rng))]})
        # dormant accounts: in the accounts file, no traffic this week
        n_benign_now = len(self.plans) - start
        for i in range(max(0, target - n_benign_now)):
            aid = self.new_id()
            created = created_any()
            meta, country = indiv_meta(aid, rng.choice(["en", "en", "zh", "es", "de"]), created)
            self.add("dormant", None, meta, created, country, 0, 0, [], {"kind": "fixed", "ips": ["0.0.0.0"]})

    def attach_embedded(self):
        """Two resellers carry hydra end users."""
        if not self.resellers:
            return
        rng = self.rng
        chosen = self.resellers[:2]
        self.embedded = []
        for p in chosen:
            embs = []
            for j in range(rng.randint(3, 7)):
                uid = p["uprefix"] + "%06d" % rng.randrange(p["users"])
                embs.append({"user": uid, "n": rng.randint(60, 220), "camp": self.hydra_camp})
                self.embedded.append({"account_id": p["id"], "user": uid})
            p["embedded"] = embs
            p["embed_fn"] = C.embed_hydra
            p["abusive_end_users"] = [e["user"] for e in embs]


LANGS_T = ("en", "de", "fr", "es", "zh", "ja", "pt", "ko", "ru", "it")


# ---------------------------------------------------------------- generation
_CTX = {}


def _run_plan(plan):
    rng = random.Random("outside2:%d:acct:%s" % (_CTX["seed"], plan["id"]))
    A = Acct(plan, rng, _CTX)
    if plan["fn"] is not None:
        plan["fn"](A)
    return [(t, line) for (t, s, line) in A.out if W.T0 <= t < W.T1]


def _worker(args):
    seed, plans, pools = args
    _CTX.update({"seed": seed, "pools": pools, "clf": W.Classifier()})
    out = []
    for p in plans:
        out.append((p["id"], _run_plan(p)))
    return out


def corrupt(rng, lines):
    """Inject a small number of bad lines, as a real log would have."""
    n = len(lines)
    k = max(3, int(n * rng.uniform(0.0004, 0.0009)))
    idx = sorted(rng.sample(range(n), k))
    for i in idx:
        ts, line = lines[i]
        r = rng.random()
        if r < 0.45:
            cut = rng.randint(10, max(11, len(line) - 2))
            lines[i] = (ts, line[:cut])
        elif r < 0.85:
            ev = json.loads(line)
            drop = rng.choice(["account_id", "endpoint", "status", "request", "ts"])
            ev.pop(drop, None)
            lines[i] = (ts, json.dumps(ev, ensure_ascii=False, separators=(",", ":")))
        else:
            lines[i] = (ts, rng.choice(["upstream connect error or disconnect/reset before headers", "\x1b[0m{\"request_id\":",
                                        "----- log rotated -----", "{}"]))
    return k


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--accounts-count", type=int, default=BASE_K)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    t_start = time.time()
    os.makedirs(args.out, exist_ok=True)

    P = Planner(args.seed, args.accounts_count)
    P.build_pools()
    P.plan_campaigns()
    n_mal = len(P.plans)
    P.plan_benign(args.accounts_count - n_mal)
    P.attach_embedded()

    t_plan = time.time()
    # generation (per-account RNGs make the result independent of worker scheduling)
    plans = P.plans
    order = sorted(range(len(plans)), key=lambda i: -(plans[i]["n"] + plans[i].get("n_side", 0)))
    nw = max(1, args.workers)
    chunks = [[] for _ in range(nw * 4)]
    for j, i in enumerate(order):
        chunks[j % len(chunks)].append(plans[i])
    results = {}
    if nw > 1:
        import multiprocessing as mp
        ctx = mp.get_context("fork")
        with ctx.Pool(nw) as pool:
            for part in pool.imap_unordered(_worker, [(args.seed, ch, P.pools) for ch in chunks]):
                for aid, lines in part:
                    results[aid] = lines
    else:
        for ch in chunks:
            for aid, lines in _worker((args.seed, ch, P.pools)):
                results[aid] = lines
    t_gen = time.time()
    allines = []
    for p in plans:
        allines.extend(results.get(p["id"], []))
    allines.sort()
    lrng = random.Random("outside2:%d:corrupt" % args.seed)
    nbad = corrupt(lrng, allines)

    # events
    path = os.path.join(args.out, "events.jsonl.gz")
    with open(path, "wb") as fh:
        with gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0, compresslevel=5) as gz:
            buf = []
            for _, line in allines:
                buf.append(line)
                if len(buf) >= 5000:
                    gz.write(("\n".join(buf) + "\n").encode("utf-8"))
                    buf = []
            if buf:
                gz.write(("\n".join(buf) + "\n").encode("utf-8"))

    # accounts file: a snapshot taken a little before the window ends, so the newest sign-ups and a few
    # internal/test accounts are missing from it.
    arng = random.Random("outside2:%d:accounts" % args.seed)
    snapshot = W.T1 - 9 * W.HOUR
    rows = []
    for p in sorted(plans, key=lambda q: q["id"]):
        if p["created"] >= snapshot:
            continue
        if arng.random() < 0.006:
            continue
        rows.append(p["meta"])
    with open(os.path.join(args.out, "accounts.jsonl"), "w", encoding="utf-8") as fh:
        for m in rows:
            fh.write(json.dumps(m, ensure_ascii=False, separators=(",", ":")) + "\n")

    # labels
    lab = {"seed": args.seed, "scale": "outside2", "window": {"start": W.iso_ms(W.T0), "end": W.iso_ms(W.T1)},
           "new_model_release": {"model": W.MODEL_NEW, "ts": W.iso_ms(W.RELEASE_MS)}, "accounts": {}, "campaigns": {}}
    for p in sorted(plans, key=lambda q: q["id"]):
        ent = {"label": p["label"], "population": p["pop"], "campaign_id": p["cid"], "tactics": list(p["tactics"])}
        if p.get("abusive_end_users"):
            ent["abusive_end_users"] = {"users": p["abusive_end_users"], "campaign_id": "C01-hydra",
                                        "tactics": ["reasoning-harvest", "capability-sweep"]}
        lab["accounts"][p["id"]] = ent
    for cid, c in P.campaigns.items():
        ent = {"tactics": c["tactics"], "account_ids": sorted(c["account_ids"]), "style": c["style"]}
        if cid == "C01-hydra" and getattr(P, "embedded", None):
            ent["end_users"] = P.embedded
        lab["campaigns"][cid] = ent
    with open(os.path.join(args.out, "labels.json"), "w", encoding="utf-8") as fh:
        json.dump(lab, fh, ensure_ascii=False, indent=1)
        fh.write("\n")

    dt = time.time() - t_start
    sys.stderr.write("timing: plan %.1fs, generate %.1fs, sort+write %.1fs\n" % (t_plan - t_start, t_gen - t_plan, time.time() - t_gen))
    n_mal_acc = sum(1 for p in plans if p["label"] == "malicious")
    print("outside2 seed=%d accounts=%d (malicious %d, %.1f%%) lines=%d bad=%d campaigns=%d time=%.1fs" % (
        args.seed, len(plans), n_mal_acc, 100.0 * n_mal_acc / len(plans), len(allines), nbad, len(P.campaigns), dt))


if __name__ == "__main__":
    main()

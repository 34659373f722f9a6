"""Build the simulated world from a mixture: accounts, infrastructure, actors, schedules, labels.

Everything random is drawn from one seeded ``random.Random`` that hands out
child seeds in a fixed order, so a seed gives the same world byte for byte.
Account ids are random hex from that stream and accounts are written sorted by
id, so neither ids nor file order reveal which population an account is in.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from antidistill.sim import campaigns as atk
from antidistill.sim import populations as pop
from antidistill.sim.actors import Actor, Behavior
from antidistill.sim.infra import (
    ALL_WEBMAIL, COUNTRIES, COUNTRY_CODES, COUNTRY_WEIGHTS, WEBMAIL, Internet, IpSource, backend_source,
    custom_user_agent, hex_id, home_source, new_account, new_payment, org_domain, org_name, tier_for_volume,
    user_agent,
)
from antidistill.sim.timing import DAY_MS, HOUR_MS, Clock, bursts, merge, sessions

YEAR_MS = 365 * DAY_MS


class Builder:
    def __init__(self, seed: int, scale: str, mix: dict[str, Any]):
        if scale not in mix["scales"]:
            raise ValueError(f"unknown scale {scale!r}; the mixture defines {sorted(mix['scales'])}")
        self.seed = seed
        self.scale = scale
        self.mix = mix
        sc = mix["scales"][scale]
        self.clock = Clock.from_iso(mix["start"], int(sc["days"]))
        self.count_factor = float(sc.get("count_factor", 1.0))
        self.volume_factor = float(sc.get("volume_factor", 1.0))
        self.rng = random.Random(seed)
        self.internet = Internet(self._child())
        self.actors: list[Actor] = []
        self.campaigns: dict[str, dict] = {}
        self.account_pop: dict[str, str] = {}

    # -- small helpers ------------------------------------------------------------------

    def _child(self) -> random.Random:
        return random.Random(self.rng.getrandbits(64))

    def rngs(self) -> tuple[random.Random, np.random.Generator]:
        return self._child(), np.random.default_rng(self.rng.getrandbits(64))

    def per_scale(self, v):
        return v.get(self.scale, v.get("small")) if isinstance(v, dict) else v

    def count(self, v, minimum: int = 0) -> int:
        """A configured count scaled by count_factor; anything configured stays at least 1."""
        n = self.per_scale(v)
        return max(minimum, 1, int(round(n * self.count_factor))) if n else minimum

    def span(self, v, rng: random.Random) -> int:
        lo, hi = self.per_scale(v)
        return rng.randint(max(2, int(round(lo * self.count_factor))), max(2, int(round(hi * self.count_factor))))

    def volume(self, x: float) -> float:
        return x * self.volume_factor

    def signup_spread(self, rng: random.Random, max_years: float = 4.5) -> int:
        """Sign-ups over years, more of them recent (the service grew)."""
        back = max_years * YEAR_MS * (rng.random() ** 1.7) + rng.randint(DAY_MS, 20 * DAY_MS)
        return self.clock.start_ms - int(back)

    def add(self, actor: Actor, population: str) -> Actor:
        self.actors.append(actor)
        self.account_pop.setdefault(actor.account.account_id, population)
        return actor

    def p429(self, daily: float) -> float:
        # Rate limits bite heavy callers more; honest or not.
        return min(0.08, 0.003 + daily / 60000.0)

    # -- people ---------------------------------------------------------------------------

    def person(self, population: str, cfg: dict, make_behaviors, *, shape: str, turns_mean: float,
               gap_s: float, country: str | None = None, ips: IpSource | None = None, account=None,
               ua: list[str] | None = None, label: str = "benign", campaign_id=None, tactics=()) -> Actor:
        rng, g = self.rngs()
        cc = country or rng.choices(COUNTRY_CODES, weights=COUNTRY_WEIGHTS)[0]
        tz, lang, _ = COUNTRIES[cc]
        daily = self.volume(float(cfg.get("daily_median", 5)) * rng.lognormvariate(0, float(cfg.get("daily_sigma", 1.0))))
        daily = min(daily, float(cfg.get("daily_cap", 3000)))
        if account is None:
            org = org_name(rng, cc) if rng.random() < 0.25 else None
            email = org_domain(org, cc, rng) if org and rng.random() < 0.7 else rng.choice(WEBMAIL[lang])
            account = new_account(rng, created_ms=self.signup_spread(rng), country=cc, email_domain=email,
                                  tier=tier_for_volume(rng, daily), org=org, n_keys=rng.choice([1, 1, 1, 2, 3]))
        lo, hi = cfg.get("active_days", [0.3, 0.95])
        actor = Actor(account=account, population=population, label=label, campaign_id=campaign_id,
                      tactics=tuple(tactics), ips=ips or home_source(self.internet, rng, cc),
                      user_agents=ua or [user_agent(rng) for _ in range(rng.choice([1, 1, 1, 2]))],
                      behaviors=make_behaviors(rng, lang), rng=rng, g=g, lang=lang, tz=tz, p429=self.p429(daily))
        actor.schedule = sessions(g, self.clock, daily=daily, tz_hours=tz,
                                  shape=shape, turns_mean=turns_mean, gap_s=gap_s,
                                  active_days=rng.uniform(lo, hi))
        return self.add(actor, population)

    def service_account(self, rng: random.Random, *, tier: str, cc: str | None = None, keys: int = 2,
                        years: float = 3.0):
        cc = cc or rng.choice(["US", "US", "DE", "GB", "FR", "JP", "BR", "IN", "NL", "SG"])
        org = org_name(rng, cc)
        return new_account(rng, created_ms=self.signup_spread(rng, years), country=cc,
                           email_domain=org_domain(org, cc, rng), tier=tier, org=org, n_keys=keys), org

    def service(self, population: str, behaviors: list[tuple[Behavior, float]], *, daily: float, shape: str = "service",
                turns_mean: float = 1.0, gap_s: float = 20.0, tier: str = "tier-4", account=None,
                ips=None, ua=None, rng=None, g=None, tz: float | None = None) -> Actor:
        if rng is None:
            rng, g = self.rngs()
        if account is None:
            account, _ = self.service_account(rng, tier=tier)
        tz = COUNTRIES.get(account.country, (0,))[0] if tz is None else tz
        daily = self.volume(daily)
        actor = Actor(account=account, population=population, label="benign", ips=ips or backend_source(self.internet, rng),
                      user_agents=ua or [custom_user_agent(rng, rng.choice(["svc", "backend", "worker", "api-gateway",
                                                                              "app-server", "pipeline"]))],
                      behaviors=behaviors, rng=rng, g=g, tz=tz, p429=self.p429(daily))
        actor.schedule = sessions(g, self.clock, daily=daily, tz_hours=tz, shape=shape, turns_mean=turns_mean,
                                  gap_s=gap_s, active_days=1.0, day_sigma=0.15)
        return self.add(actor, population)


# -- benign ------------------------------------------------------------------------------------


def _chat(mix: dict[str, float], typo=(0.0, 0.12), logprob_rate=0.0):
    def make(rng: random.Random, lang: str):
        return [(pop.ChatBehavior(rng, lang, mix=mix, typo=rng.uniform(*typo),
                                  logprob_rate=logprob_rate if rng.random() < 0.15 else 0.0), 1.0)]
    return make


def build_benign(b: Builder) -> None:
    cfg = b.mix.get("benign", {})
    kinds = {
        "chat": ("benign-chat", _chat({"chat": 8, "homework": 1, "code": 1, "case": 1}, logprob_rate=0.1),
                 "evening", 2.5, 70),
        "coder": ("benign-coding", _chat({"code": 7, "chat": 2, "homework": 1}, typo=(0.0, 0.05), logprob_rate=0.05),
                  "work", 3.0, 120),
        "student": ("benign-student", _chat({"homework": 7, "chat": 2, "code": 1}, typo=(0.02, 0.15)),
                    "evening", 2.2, 90),
    }
    for key, (population, make, shape, turns, gap) in kinds.items():
        c = cfg.get(key)
        for _ in range(b.count(c["count"]) if c else 0):
            b.person(population, c, make, shape=shape, turns_mean=turns, gap_s=gap)

    c = cfg.get("tools")
    for _ in range(b.count(c["count"]) if c else 0):
        def make_tools(rng, lang):
            return [(pop.ToolUseBehavior(rng, rng.sample(pop.BENIGN_TOOLS[:6], k=rng.randint(2, 4)),
                                         rng.choice([None, "You are a personal assistant with tools."]),
                                         rng.choice(["nova-2", "nova-2-mini"])), 1.0)]
        b.person("benign-tools", c, make_tools, shape="work", turns_mean=3.0, gap_s=8)

    c = cfg.get("completions")
    for _ in range(b.count(c["count"]) if c else 0):
        b.person("benign-completions", c, lambda rng, lang: [(pop.CompletionsBehavior(rng, lang), 1.0)],
                 shape="work", turns_mean=1.0, gap_s=30)

    c = cfg.get("app")
    for _ in range(b.count(c["count"]) if c else 0):
        rng, g = b.rngs()
        account, org = b.service_account(rng, tier=rng.choice(["tier-2", "tier-3", "tier-4"]), years=4.0)
        lang = COUNTRIES[account.country][1] if rng.random() < 0.6 else "en"
        daily = float(c["daily_median"]) * rng.lognormvariate(0, float(c.get("daily_sigma", 1.0)))
        b.service("benign-app", [(pop.AppBehavior(rng, org, lang), 1.0)], daily=daily,
                  turns_mean=rng.choice([1.0, 1.0, 3.0]), account=account, rng=rng, g=g,
                  ua=[user_agent(rng)] if rng.random() < 0.5 else None)

    for key, batch, noise, population in (("predict", (1, 3), 0.6, "benign-predict"),
                                          ("predict_batch", (16, 128), 0.3, "benign-predict-batch")):
        c = cfg.get(key)
        for _ in range(b.count(c["count"]) if c else 0):
            rng, g = b.rngs()
            daily = float(c["daily_median"]) * rng.lognormvariate(0, float(c.get("daily_sigma", 0.8)))
            b.service(population, [(pop.PredictBehavior(batch, noise), 1.0)], daily=daily,
                      shape=rng.choice(["work", "service"]), tier="tier-3", rng=rng, g=g,
                      ua=[user_agent(rng)] if rng.random() < 0.6 else None)


# -- hard negatives --------------------------------------------------------------------------


def build_hard_negatives(b: Builder) -> None:
    cfg = b.mix.get("hard_negatives", {})
    c = cfg.get("support_bot")
    for _ in range(b.count(c["count"]) if c else 0):
        rng, g = b.rngs()
        account, org = b.service_account(rng, tier="enterprise", keys=3)
        b.service("hardneg-support-bot", [(pop.SupportBotBehavior(rng, org), 1.0)],
                  daily=rng.uniform(*c["daily"]), turns_mean=3.0, gap_s=40, account=account, rng=rng, g=g,
                  ips=backend_source(b.internet, rng, n=rng.randint(2, 4)))

    c = cfg.get("eval_harness")
    for _ in range(b.count(c["count"]) if c else 0):
        rng, g = b.rngs()
        account, org = b.service_account(rng, tier=rng.choice(["tier-3", "tier-4", "enterprise"]), years=2.0)
        runs = b.count(c["runs"], 1)
        n_q = int(c.get("questions", 500))
        starts = sorted(b.clock.start_ms + rng.randrange(0, b.clock.days * DAY_MS - 2 * HOUR_MS) for _ in range(runs))
        model = rng.choice(["nova-2", "nova-2-reasoning", "nova-2-mini"])
        actor = Actor(account=account, population="hardneg-eval-harness", label="benign",
                      ips=backend_source(b.internet, rng, n=1), user_agents=[user_agent(rng)],
                      behaviors=[(pop.EvalHarnessBehavior(rng, n_q, model), 1.0)], rng=rng, g=g, p429=0.01)
        actor.schedule = bursts(g, b.clock, starts_ms=starts, sizes=[n_q] * runs, rate_per_s=rng.uniform(2, 12))
        b.add(actor, "hardneg-eval-harness")

    c = cfg.get("classifier_pipeline")
    for _ in range(b.count(c["count"]) if c else 0):
        rng, g = b.rngs()
        account, org = b.service_account(rng, tier="tier-4")
        jobs = max(1, int(round(b.clock.days * rng.uniform(1, 3))))
        daily = b.volume(rng.uniform(*c["daily"]))
        sizes = [max(50, int(daily * b.clock.days / jobs * rng.uniform(0.5, 1.5))) for _ in range(jobs)]
        starts = sorted(b.clock.start_ms + rng.randrange(0, b.clock.days * DAY_MS) for _ in range(jobs))
        actor = Actor(account=account, population="hardneg-classification", label="benign",
                      ips=backend_source(b.internet, rng), user_agents=[user_agent(rng)],
                      behaviors=[(pop.ClassifierPipelineBehavior(rng), 1.0)], rng=rng, g=g, p429=0.01)
        actor.schedule = bursts(g, b.clock, starts_ms=starts, sizes=sizes, rate_per_s=rng.uniform(3, 15))
        b.add(actor, "hardneg-classification")

    c = cfg.get("coding_assistant")
    for _ in range(b.count(c["count"]) if c else 0):
        rng, g = b.rngs()
        account, org = b.service_account(rng, tier="enterprise", keys=4)
        devs = ["dev_" + hex_id(rng, 10) for _ in range(rng.randint(100, 2000))]
        beh = pop.ToolUseBehavior(rng, pop.BENIGN_TOOLS[6:], f"You are {org}'s coding assistant inside the IDE. "
                                  "Use tools to read and edit files. Keep diffs minimal.", "nova-2", users=devs)
        b.service("hardneg-coding-assistant", [(beh, 1.0)], daily=rng.uniform(*c["daily"]), shape="work",
                  turns_mean=4.0, gap_s=6, account=account, rng=rng, g=g)

    for key, population, make in (
        ("translation", "hardneg-translation", lambda rng, org, lang: pop.TranslationBehavior(rng)),
        ("rag", "hardneg-rag", lambda rng, org, lang: pop.RagBehavior(rng, org, lang)),
    ):
        c = cfg.get(key)
        for _ in range(b.count(c["count"]) if c else 0):
            rng, g = b.rngs()
            account, org = b.service_account(rng, tier="tier-4")
            lang = COUNTRIES[account.country][1]
            b.service(population, [(make(rng, org, lang), 1.0)], daily=rng.uniform(*c["daily"]),
                      account=account, rng=rng, g=g)

    c = cfg.get("university_lab")
    for _ in range(b.count(c["count"]) if c else 0):
        _university_lab(b, c)
    c = cfg.get("company_nat")
    for _ in range(b.count(c["count"]) if c else 0):
        _company_nat(b, c)
    c = cfg.get("reseller")
    for _ in range(b.count(c["count"]) if c else 0):
        _reseller(b, c)


def _university_lab(b: Builder, c: dict) -> None:
    rng = b._child()
    cc = rng.choice(["US", "DE", "FR", "ES", "BR", "JP", "GB", "CN", "RU", "CA"])
    city = rng.choice(["Aachen", "Lyon", "Granada", "Campinas", "Sendai", "Leeds", "Wuhan", "Kazan", "Waterloo", "Austin"])
    org = rng.choice(["University of {}", "{} Institute of Technology", "Universidad de {}", "TU {}"]).format(city)
    domain = f"{city.lower()}-uni.edu" if rng.random() < 0.5 else f"cs.{city.lower()}.edu"
    campus = b.internet.new_prefix("campus", cc, 16)
    week = b.clock.start_ms - rng.randint(10, 500) * DAY_MS
    lab_card = new_payment(rng)
    for _ in range(b.span(c["students"], rng)):
        srng = b._child()
        account = new_account(srng, created_ms=week + srng.randrange(0, 6 * DAY_MS), country=cc, email_domain=domain,
                              tier=srng.choice(["free", "free", "tier-1"]), org=org if srng.random() < 0.7 else None,
                              payment=lab_card if srng.random() < 0.3 else None)
        ips = IpSource("session", [campus], srng)
        research = srng.random() < float(c.get("research_share", 0.2))

        def make(r, lang, research=research):
            chat = pop.ChatBehavior(r, lang, mix={"homework": 4, "code": 4, "chat": 2}, typo=r.uniform(0, 0.1))
            if not research:
                return [(chat, 1.0)]
            # A research project: a small benchmark, asked to think step by step, once per question.
            return [(chat, 0.5), (pop.EvalHarnessBehavior(r, 150, "nova-2-reasoning"), 0.5)]

        b.person("hardneg-university-lab", c, make, shape="evening", turns_mean=2.5, gap_s=80, country=cc,
                 ips=ips, account=account)


def _company_nat(b: Builder, c: dict) -> None:
    rng = b._child()
    account0, org = b.service_account(rng, tier="tier-3")
    cc = account0.country
    nat = IpSource("static", [b.internet.new_prefix("corporate", cc, 28)], rng, n_static=rng.randint(1, 2))
    card = account0.payment_fingerprint
    first = b.signup_spread(rng, 3.0)
    for _ in range(b.span(c["employees"], rng)):
        erng = b._child()
        created = first + erng.randrange(0, 400 * DAY_MS) if erng.random() < 0.6 else first + erng.randrange(0, DAY_MS)
        account = new_account(erng, created_ms=min(created, b.clock.start_ms - DAY_MS), country=cc,
                              email_domain=account0.email_domain, tier=erng.choice(["tier-2", "tier-3"]),
                              org=org, payment=card if erng.random() < 0.7 else None)
        b.person("hardneg-company-nat", c, _chat({"chat": 4, "code": 5, "case": 1}, typo=(0, 0.05)),
                 shape="work", turns_mean=2.5, gap_s=90, country=cc, ips=nat, account=account)


def _reseller(b: Builder, c: dict) -> None:
    rng, g = b.rngs()
    account, org = b.service_account(rng, tier="enterprise", keys=2, years=2.5)
    ips = backend_source(b.internet, rng, n=rng.randint(2, 6))
    ua = [custom_user_agent(rng, org.split(" ")[0].lower() + "-platform")]
    for _ in range(b.count(c["end_users"], 2)):
        b.person("hardneg-reseller", c, _chat({"chat": 6, "code": 2, "homework": 1, "case": 1}),
                 shape="evening", turns_mean=2.5, gap_s=60, ips=ips, account=account, ua=ua)
        b.actors[-1].end_user = "u_" + hex_id(rng, 12)
    b.resellers = getattr(b, "resellers", []) + [(account, ips, ua)]


# -- campaigns ---------------------------------------------------------------------------------


def _attack_behaviors(rng: random.Random, spec: dict) -> list[Behavior]:
    out = []
    langs = spec.get("langs", ["en"])
    for tactic in spec["tactics"]:
        if tactic == "reasoning-harvest":
            out.append(atk.ReasoningHarvest(rng, langs=langs, n_phrasings=int(spec.get("phrasings", 8)),
                                            domains=tuple(spec.get("domains", ["math", "code", "case", "puzzle"]))))
        elif tactic == "capability-sweep":
            out.append(atk.CapabilitySweep(rng, n_templates=int(spec.get("templates", 6)),
                                           sequential=rng.random() < 0.5))
        elif tactic == "preference-harvest":
            out.append(atk.PreferenceHarvest(rng, n_templates=int(spec.get("templates", 3))))
        elif tactic == "agentic-harvest":
            out.append(atk.AgenticHarvest(rng))
        elif tactic == "logit-extraction":
            out.append(atk.LogitExtraction(rng, ids_per_query=rng.choice([1, 1, 2, 5, 10]),
                                           sequential=rng.random() < 0.6, completions=rng.random() < 0.25))
        elif tactic == "classifier-extraction":
            out.append(atk.ClassifierExtraction(rng, strategy=spec.get("strategy", "mixed"),
                                                batch=tuple(spec.get("batch", [1, 50]))))
        elif tactic == "prompt-extraction":
            out.append(atk.PromptExtraction(rng, langs=langs))
        else:
            raise ValueError(f"unknown tactic {tactic!r}")
    return out


def build_campaigns(b: Builder) -> None:
    for spec in b.mix.get("campaigns", []):
        for _ in range(b.count(spec["count"])):
            _campaign(b, spec)


def _campaign(b: Builder, spec: dict) -> None:
    rng = b._child()
    cid = "camp_" + hex_id(rng, 10)
    tactics = list(spec["tactics"])
    network = spec.get("network", "hosting")
    op_cc = rng.choice(["RU", "CN", "US", "NL", "SG", "VN", "BR", "DE"])
    op_tz = COUNTRIES.get(op_cc, (0,))[0]
    prefixes = [b.internet.new_prefix("hosting", rng.choice(["NL", "DE", "US", "SG"]))
                for _ in range(rng.randint(*spec.get("prefixes", [2, 3])))]
    payments = [new_payment(rng) for _ in range(rng.randint(1, 3))]
    domains = [rng.choice(["{}{}mail.com", "{}-{}.net", "{}{}.xyz", "{}{}.online"]).format(
        rng.choice(["quick", "nova", "blue", "mega", "zen", "fast", "sky"]), rng.choice(["box", "post", "io", "hub", "ly"]))
        for _ in range(rng.randint(1, 2))]
    uas = [user_agent(rng) for _ in range(rng.randint(1, 2))]
    wave = b.clock.start_ms - rng.randint(1, 45) * DAY_MS
    signup = spec.get("signup", "wave")
    behaviors = _attack_behaviors(rng, spec)
    mix = float(spec.get("benign_mix", 0.0))
    lo_d, hi_d = spec.get("daily", [100, 300])
    via_reseller = int(b.per_scale(spec.get("via_reseller", 0)) or 0)
    members: list[str] = []
    end_users: list[list[str]] = []

    def make(r: random.Random, lang: str):
        bs = [(beh, (1.0 - mix) / len(behaviors)) for beh in behaviors]
        if mix > 0:
            bs.append((pop.ChatBehavior(r, lang, mix={"chat": 5, "code": 3, "homework": 2}, typo=r.uniform(0, 0.08)), mix))
        return bs

    cfg = {"daily_median": 1.0, "daily_sigma": 0.0, "active_days": spec.get("active_days", [0.9, 1.0])}
    n_accounts = b.span(spec["accounts"], rng)
    for _ in range(n_accounts):
        arng = b._child()
        cc = op_cc if arng.random() < 0.5 else arng.choices(COUNTRY_CODES, weights=COUNTRY_WEIGHTS)[0]
        if signup == "aged":  # bought or long-dormant accounts
            created = b.signup_spread(arng, 4.0)
        elif signup == "spread":
            created = b.clock.start_ms - arng.randint(1, 90) * DAY_MS - arng.randrange(DAY_MS)
        else:  # a sign-up wave within hours
            created = wave + int(arng.gauss(0, 3) * HOUR_MS)
        shared_email = arng.random() < float(spec.get("shared_email", 0.5))
        email = arng.choice(domains) if shared_email else arng.choice(ALL_WEBMAIL)
        pay = arng.choice(payments) if arng.random() < float(spec.get("shared_payment", 0.5)) else None
        daily = b.volume(arng.uniform(lo_d, hi_d))
        org = org_name(arng, cc) if arng.random() < 0.3 else None
        account = new_account(arng, created_ms=min(created, b.clock.start_ms - HOUR_MS), country=cc,
                              email_domain=email, tier=tier_for_volume(arng, daily) if signup == "aged" else
                              arng.choice(["free", "tier-1", "tier-1", "tier-2"]), org=org, payment=pay,
                              n_keys=arng.choice([1, 1, 2]))
        if network == "hosting":
            ips = IpSource("static", prefixes, arng, n_static=arng.randint(1, 3))
        elif network == "rotating":
            pools = [p for cc_ in arng.sample(COUNTRY_CODES, 8) for p in b.internet.residential[cc_]]
            ips = IpSource("rotating", pools, arng)
        elif network == "cloud":
            ips = backend_source(b.internet, arng, n=1)
        else:  # home: looks like an individual
            ips = home_source(b.internet, arng, cc)
        ua = [arng.choice(uas)] if arng.random() < float(spec.get("shared_ua", 0.7)) else [user_agent(arng)]
        actor_cfg = dict(cfg, daily_median=daily)
        actor = b.person(f"attack-{spec['name']}", actor_cfg, make, shape=spec.get("schedule", "flat"),
                         turns_mean=float(spec.get("turns_mean", 1.0)), gap_s=float(spec.get("gap_s", 5.0)),
                         country=cc, ips=ips, account=account, ua=ua, label="malicious", campaign_id=cid,
                         tactics=tactics)
        _retime(b, actor, spec, daily, op_tz)
        members.append(account.account_id)

    for (account, ips, ua), _ in zip(getattr(b, "resellers", []) * max(1, via_reseller), range(via_reseller)):
        arng = b._child()
        daily = b.volume(arng.uniform(lo_d, hi_d))
        actor = b.person(f"attack-{spec['name']}", dict(cfg, daily_median=daily), make, shape="evening",
                         turns_mean=1.0, gap_s=5.0, ips=ips, account=account, ua=ua, label="malicious",
                         campaign_id=cid, tactics=tactics)
        actor.end_user = "u_" + hex_id(arng, 12)
        _retime(b, actor, spec, daily, op_tz)
        end_users.append([account.account_id, actor.end_user])

    b.campaigns[cid] = {"tactics": tactics, "account_ids": sorted(members), "style": spec.get("style", network)}
    if end_users:
        b.campaigns[cid]["end_users"] = sorted(end_users)


def _retime(b: Builder, actor: Actor, spec: dict, daily: float, op_tz: float) -> None:
    """Campaign members run on the operator's clock, start staggered and some stop early (banned, rotated)."""
    rng, g = actor.rng, actor.g
    start = b.clock.start_ms + (rng.randrange(0, b.clock.days * DAY_MS // 2) if rng.random() < 0.3 else 0)
    stop = b.clock.end_ms - (rng.randrange(0, b.clock.days * DAY_MS // 2) if rng.random() < 0.15 else 0)
    total = spec.get("requests_total")
    if total:  # slow and low: a handful of requests over the whole window
        daily = rng.randint(*total) / b.clock.days
    actor.p429 = b.p429(daily)
    actor.schedule = sessions(g, b.clock, daily=daily, tz_hours=op_tz, shape=spec.get("schedule", "flat"),
                              turns_mean=float(spec.get("turns_mean", 1.0)), gap_s=float(spec.get("gap_s", 5.0)),
                              active_days=rng.uniform(*spec.get("active_days", [0.9, 1.0])), day_sigma=0.3,
                              active_from=start, active_to=stop)
    if spec.get("requests_total") and len(actor.schedule) == 0:
        # Everyone in a slow-and-low campaign sends at least one request, or they would not be members.
        t = np.array([b.clock.start_ms + rng.randrange(b.clock.days * DAY_MS)], dtype=np.int64)
        actor.schedule = merge([type(actor.schedule)(t, np.zeros(1, np.int64), np.zeros(1, np.int32), np.ones(1, bool))])


def build(seed: int, scale: str, mix: dict) -> Builder:
    b = Builder(seed, scale, mix)
    build_benign(b)
    build_hard_negatives(b)
    build_campaigns(b)
    return b

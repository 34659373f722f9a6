"""Honest callers: ordinary users and services, and the hard negatives.

Hard negatives are honest callers that share a surface feature with theft: a
support bot's templated prompts at volume from cloud addresses, an eval harness
that asks "think step by step" over a fixed benchmark, a classifier pipeline
using max_tokens=1 with logprobs and logit_bias, a university lab whose accounts
share a /16, a sign-up week and an e-mail domain, a company behind one NAT, a
reseller passing ``user`` for many end users. Each must stay benign in labels.
"""

from __future__ import annotations

import random

from antidistill.sim import bodies, problems, text
from antidistill.sim.actors import Actor, Behavior, Context, Exchange
from antidistill.sim.digits import as_instances
from antidistill.sim.infra import hex_id

_SYSTEMS_PERSONAL = [None, None, None, "You are a helpful assistant.", "You are a concise assistant.",
                     "Answer briefly.", "You are an expert tutor. Be patient.", "Reply in the language of the user."]


def _pick_model(rng: random.Random, prefs: dict[str, float]) -> str:
    return rng.choices(list(prefs), weights=list(prefs.values()))[0]


class ChatBehavior(Behavior):
    """A person in a chat client: multi-turn, typos, several kinds of questions."""

    def __init__(self, rng: random.Random, lang: str, *, mix: dict[str, float], typo: float,
                 logprob_rate: float = 0.0, models: dict[str, float] | None = None):
        self.lang = lang
        self.mix = mix
        self.typo = typo
        self.logprob_rate = logprob_rate
        self.models = models or {"nova-2": 3, "nova-2-mini": 4, "nova-2-reasoning": 1, "nova-1.5": 1}
        self.system = rng.choice(_SYSTEMS_PERSONAL)
        self.temperature = rng.choice([None, None, 0.7, 1.0, 0.2, 0.5])

    def start(self, actor, ctx, ts):
        rng = actor.rng
        # Bilingual users write English now and then.
        lang = self.lang if self.lang == "en" or rng.random() < 0.8 else "en"
        return {"kind": rng.choices(list(self.mix), weights=list(self.mix.values()))[0], "lang": lang,
                "hist": [], "model": _pick_model(rng, self.models)}

    def _first(self, rng, kind, lang) -> str:
        if kind == "code":
            return problems.code_task(rng)
        if kind == "homework":
            q = problems.math_problem(rng) if rng.random() < 0.7 else problems.puzzle(rng)
            return q + ("\n" + text.step_request(rng, lang) if rng.random() < 0.6 else "")
        if kind == "case":
            return problems.case_question(rng)
        return text.chat_prompt(rng, lang)

    def step(self, actor, ctx, ts, state, turn):
        rng = actor.rng
        lang, kind = state["lang"], state["kind"]
        if not state["hist"]:
            user = self._first(rng, kind, lang)
        else:
            user = text.followup_prompt(rng, lang)
        user = text.add_typos(rng, user, self.typo)
        msgs = ([{"role": "system", "content": self.system}] if self.system else []) + state["hist"][-10:]
        msgs.append({"role": "user", "content": user})
        want_lp = rng.random() < self.logprob_rate

        def answer():
            if kind == "code":
                return problems.code_answer(rng)
            if kind == "homework":
                return ctx.bank.steps(rng, lang, rng.randint(3, 7))
            return ctx.bank.answer(rng, lang, rng.randint(2, 14))

        ex = self.chat(actor, ts, msgs, answer, model=state["model"], temperature=self.temperature,
                       max_tokens=rng.choice([None, None, 50]) if want_lp else rng.choice([None, None, 1024, 2048]),
                       logprobs=True if want_lp else None, top_logprobs=rng.choice([None, 3, 5]) if want_lp else None)
        if ex.response is not None:
            state["hist"] = state["hist"] + [{"role": "user", "content": user},
                                             {"role": "assistant", "content": ex.response["choices"][0]["message"]["content"]}]
        return ex


class CompletionsBehavior(Behavior):
    """A legacy integration on /v1/completions: a prompt string, often few-shot."""

    def __init__(self, rng: random.Random, lang: str):
        self.lang = lang
        self.prefix = rng.choice(["", "Q: ", "### Instruction:\n", "Input: "])
        self.suffix = rng.choice(["", "\nA:", "\n\n### Response:\n", "\nOutput:"])
        self.max_tokens = rng.choice([16, 64, 256, 512])

    def step(self, actor, ctx, ts, state, turn):
        rng = actor.rng
        prompt = self.prefix + text.chat_prompt(rng, self.lang) + self.suffix
        want_lp = rng.random() < 0.1
        req = {"model": bodies.COMPLETION_MODEL, "prompt": prompt, "max_tokens": self.max_tokens,
               "temperature": rng.choice([0, 0.3, 0.7])}
        if want_lp:
            req["logprobs"] = rng.choice([1, 5])
        status = bodies.failure(rng, actor.p429)
        if status is not None:
            return Exchange("/v1/completions", req, None, status, round(rng.uniform(5, 80), 1))
        out = ctx.bank.answer(rng, self.lang, rng.randint(1, 6))
        lp = None
        if want_lp:
            c = bodies.content_logprobs(rng, out[:200], 0)["content"]
            lp = {"tokens": [e["token"] for e in c], "token_logprobs": [e["logprob"] for e in c]}
        resp, c_tok = bodies.completion_response(rng, bodies.COMPLETION_MODEL, ts // 1000, out,
                                                 bodies.ntok(prompt), self.max_tokens, lp)
        return Exchange("/v1/completions", req, resp, 200,
                        bodies.latency(rng, bodies.COMPLETION_MODEL, bodies.ntok(prompt), c_tok))


def predict_exchange(actor: Actor, ctx: Context, instances) -> Exchange:
    """A call to /v1/predict answered by the real digits model."""
    req = {"instances": as_instances(instances)}
    status = bodies.failure(actor.rng, actor.p429)
    if status is not None:
        return Exchange("/v1/predict", req, None, status, round(actor.rng.uniform(2, 30), 1))
    resp = {"predictions": ctx.digits.predict(instances)}
    return Exchange("/v1/predict", req, resp, 200, round(8 + 0.05 * len(instances) * actor.rng.lognormvariate(0, 0.3), 1))


class PredictBehavior(Behavior):
    """An honest scorer: real (held-out) digits with a little sensor noise, singly or in batches."""

    def __init__(self, batch: tuple[int, int], noise: float):
        self.batch = batch
        self.noise = noise

    def step(self, actor, ctx, ts, state, turn):
        k = actor.rng.randint(*self.batch)
        idx = actor.g.integers(0, len(ctx.digits.holdout), size=k)
        x = ctx.digits.holdout[idx] + actor.g.normal(0, self.noise, size=(k, 64))
        return predict_exchange(actor, ctx, x)


_APP_KINDS = [
    ("recipe", "You are Chef{n}, the cooking assistant inside the {org} app. Suggest recipes using the "
               "user's ingredients. Keep answers under 150 words."),
    ("fitness", "You are the coach in {org}. Give safe, encouraging workout advice. Never give medical diagnoses."),
    ("travel", "You are {org}'s trip planner. Answer with a day-by-day itinerary when asked about trips."),
    ("tutor", "You are a homework helper for {org}. Guide students to the answer; explain step by step."),
    ("marketing", "You write marketing copy for {org}. Tone: friendly, concise. Output plain text."),
    ("hr", "You are an internal HR assistant at {org}. Answer questions about leave, payroll and benefits."),
    ("legal", "You help {org}'s users understand contracts. You are not a lawyer; add a disclaimer."),
    ("json", "Extract the entities from the user's text and return JSON with keys name, date, amount."),
]


class AppBehavior(Behavior):
    """A small product backend: one system prompt, its users' questions, sometimes ``user``, JSON, bias."""

    def __init__(self, rng: random.Random, org: str, lang: str):
        self.kind, tmpl = rng.choice(_APP_KINDS)
        self.system = tmpl.format(org=org, n=rng.randint(1, 9))
        self.lang = lang
        self.model = _pick_model(rng, {"nova-2-mini": 5, "nova-2": 3, "nova-1.5-mini": 2})
        self.pass_user = rng.random() < 0.5
        self.users = ["user-" + hex_id(rng, 8) for _ in range(rng.randint(20, 400))]
        self.json = self.kind == "json" or rng.random() < 0.1
        # Some apps ban a few tokens (profanity, competitor names) with -100.
        self.ban = {str(rng.randrange(1000, 100000)): -100 for _ in range(rng.randint(1, 6))} if rng.random() < 0.15 else None
        self.temperature = rng.choice([0.2, 0.5, 0.7, 1.0])
        self.max_tokens = rng.choice([256, 400, 512, 800])
        self.multi = rng.random() < 0.4

    def start(self, actor, ctx, ts):
        return {"hist": [], "user": actor.rng.choice(self.users) if self.pass_user else None}

    def step(self, actor, ctx, ts, state, turn):
        rng = actor.rng
        user = text.add_typos(rng, text.chat_prompt(rng, self.lang), 0.04)
        msgs = [{"role": "system", "content": self.system}] + (state["hist"][-6:] if self.multi else [])
        msgs.append({"role": "user", "content": user})
        ex = self.chat(
            actor, ts, msgs, lambda: ctx.bank.answer(rng, self.lang, rng.randint(2, 8)), model=self.model,
            temperature=self.temperature, max_tokens=self.max_tokens, logit_bias=self.ban, user=state["user"],
            response_format={"type": "json_object"} if self.json else None,
        )
        if ex.response is not None and self.multi:
            state["hist"] += [msgs[-1], {"role": "assistant", "content": ex.response["choices"][0]["message"]["content"]}]
        return ex


# -- tools -----------------------------------------------------------------------------------

def tool_def(name: str, desc: str, params: dict[str, str]) -> dict:
    return {"type": "function", "function": {
        "name": name, "description": desc,
        "parameters": {"type": "object", "properties": {k: {"type": v} for k, v in params.items()},
                       "required": list(params)[:1]}}}


BENIGN_TOOLS = [
    tool_def("get_weather", "Current weather for a city", {"city": "string", "units": "string"}),
    tool_def("search_web", "Search the web", {"query": "string"}),
    tool_def("create_event", "Add an event to the calendar", {"title": "string", "start": "string"}),
    tool_def("send_email", "Send an email", {"to": "string", "subject": "string", "body": "string"}),
    tool_def("lookup_order", "Find an order by id", {"order_id": "string"}),
    tool_def("query_db", "Run a read-only SQL query", {"sql": "string"}),
    tool_def("read_file", "Read a file from the workspace", {"path": "string"}),
    tool_def("run_tests", "Run the test suite", {"pattern": "string"}),
    tool_def("edit_file", "Apply an edit to a file", {"path": "string", "patch": "string"}),
    tool_def("search_code", "Search the repository", {"query": "string"}),
]

_TOOL_TASKS = ["what's the weather in {c} tomorrow?", "book a meeting with {a} next Tuesday",
               "find order {n} and tell me when it ships", "email {a} the summary of today's call",
               "how many signups did we get last week?", "search for reviews of the {c} museum",
               "fix the failing test in utils", "where is the config loaded?"]


def tool_call(rng: random.Random, tool: dict) -> dict:
    fn = tool["function"]
    args = {k: rng.choice([problems.NAMES, problems.CITIES])[rng.randrange(20)]
            for k in fn["parameters"]["properties"]}
    return {"id": "call_" + hex_id(rng, 20), "type": "function",
            "function": {"name": fn["name"], "arguments": _json(args)}}


def _json(obj) -> str:
    import orjson

    return orjson.dumps(obj).decode()


class ToolUseBehavior(Behavior):
    """An agent framework with a fixed tool set: a task, a tool call, a result, an answer."""

    def __init__(self, rng: random.Random, tools: list[dict], system: str | None, model: str,
                 users: list[str] | None = None):
        self.tools = tools
        self.system = system
        self.model = model
        self.users = users  # a platform passes its developers as `user`

    def start(self, actor, ctx, ts):
        rng = actor.rng
        task = rng.choice(_TOOL_TASKS).format(c=rng.choice(problems.CITIES), a=rng.choice(problems.NAMES),
                                              n=rng.randint(10000, 99999))
        if rng.random() < 0.3:
            task = problems.code_task(rng)
        msgs = ([{"role": "system", "content": self.system}] if self.system else [])
        return {"msgs": msgs + [{"role": "user", "content": task}],
                "user": rng.choice(self.users) if self.users else None}

    def step(self, actor, ctx, ts, state, turn):
        rng = actor.rng
        msgs = state["msgs"]
        call_now = rng.random() < (0.75 if turn == 0 else 0.35)
        calls_fn = (lambda: [tool_call(rng, rng.choice(self.tools))]) if call_now else None
        ex = self.chat(actor, ts, list(msgs), lambda: ctx.bank.answer(rng, "en", rng.randint(1, 5)),
                       model=self.model, tools=self.tools, temperature=0.0 if rng.random() < 0.5 else None,
                       tool_calls=calls_fn, user=state["user"])
        if ex.response is not None:
            msg = ex.response["choices"][0]["message"]
            if msg.get("tool_calls"):
                c = msg["tool_calls"][0]
                msgs.append({"role": "assistant", "content": "", "tool_calls": msg["tool_calls"]})
                msgs.append({"role": "tool", "tool_call_id": c["id"],
                             "content": _json({"result": ctx.bank.answer(rng, "en", 1)[:300]})})
            else:
                msgs.append({"role": "assistant", "content": msg["content"]})
                msgs.append({"role": "user", "content": text.followup_prompt(rng, "en")})
        return ex


# -- hard negatives -----------------------------------------------------------------------------

_SUPPORT_ISSUES = [
    "my package hasn't arrived and it's been {n} days", "I was charged twice for order {o}",
    "how do I return the {item}?", "the {item} arrived broken", "can I change my delivery address to {c}?",
    "I want to cancel my subscription", "the discount code {code} doesn't work",
    "where is my refund for order {o}??", "do you ship to {c}?", "the app keeps logging me out",
    "hola, mi pedido {o} no ha llegado", "bonjour, je voudrais annuler ma commande {o}",
    "Hallo, meine Bestellung {o} ist beschädigt angekommen", "olá, quero trocar o tamanho do pedido {o}",
]


class SupportBotBehavior(Behavior):
    """An enterprise support bot: one long templated system prompt and a templated user turn."""

    def __init__(self, rng: random.Random, org: str):
        self.system = (
            f"You are the customer support assistant for {org}. Be polite and concise. Policies: returns "
            f"within {rng.choice([14, 30, 60])} days; refunds in 5-7 business days; never share internal "
            "notes; escalate legal threats to a human. Always end with 'Is there anything else I can help with?'"
        )
        self.template = rng.choice([
            "Customer name: {name}\nOrder: {o}\nChannel: {chan}\nCustomer message: {msg}\n\nWrite the reply.",
            "[ticket {t}] [{chan}] {name} wrote: \"{msg}\"\nDraft a response following policy.",
        ])

    def start(self, actor, ctx, ts):
        rng = actor.rng
        return {"hist": [], "name": rng.choice(problems.NAMES), "o": f"{rng.randint(100000, 999999)}",
                "chan": rng.choice(["chat", "email", "whatsapp", "web"]), "t": rng.randint(10**6, 10**7),
                "cust": "cust_" + hex_id(rng, 10)}

    def step(self, actor, ctx, ts, state, turn):
        rng = actor.rng
        msg = rng.choice(_SUPPORT_ISSUES).format(
            n=rng.randint(3, 30), o=state["o"], item=rng.choice(problems.ITEMS), c=rng.choice(problems.CITIES),
            code=hex_id(rng, 6).upper())
        user = self.template.format(name=state["name"], o=state["o"], chan=state["chan"], t=state["t"],
                                    msg=text.add_typos(rng, msg, 0.08))
        msgs = [{"role": "system", "content": self.system}] + state["hist"][-8:] + [{"role": "user", "content": user}]
        ex = self.chat(actor, ts, msgs, lambda: ctx.bank.answer(rng, "en", rng.randint(2, 5)),
                       model="nova-2-mini", temperature=0.3, max_tokens=400, user=state["cust"])
        if ex.response is not None:
            state["hist"] += [msgs[-1], {"role": "assistant", "content": ex.response["choices"][0]["message"]["content"]}]
        return ex


class EvalHarnessBehavior(Behavior):
    """A benchmark run: each of a fixed set of questions once per run, 'think step by step' once."""

    def __init__(self, rng: random.Random, n_questions: int, model: str):
        qrng = random.Random(rng.getrandbits(64))
        self.questions = [problems.math_problem(qrng) for _ in range(n_questions)]
        self.model = model
        self.i = 0
        self.style = rng.choice([
            "Question: {q}\nLet's think step by step.",
            "{q}\n\nThink step by step, then give the final answer after '####'.",
            "Solve the following problem. Show your reasoning step by step and end with 'The answer is N'.\n\n{q}",
        ])

    def step(self, actor, ctx, ts, state, turn):
        rng = actor.rng
        q = self.questions[self.i % len(self.questions)]
        self.i += 1
        msgs = [{"role": "user", "content": self.style.format(q=q)}]
        return self.chat(actor, ts, msgs, lambda: ctx.bank.steps(rng, "en", rng.randint(3, 8), 1) + "\n#### "
                         + str(rng.randint(1, 999)), model=self.model, temperature=0.0, max_tokens=1024, seed=1234)


_REVIEW_BITS = ["the battery life is {adj}", "delivery was {adj}", "customer service was {adj}",
                "the {item} looks {adj}", "price is {adj} for what you get", "setup took {n} minutes",
                "would{neg} buy again", "{n} stars", "screen is {adj}", "sound quality is {adj}"]
_ADJ = ["great", "terrible", "ok", "amazing", "disappointing", "fine", "awful", "decent", "excellent", "meh"]


class ClassifierPipelineBehavior(Behavior):
    """Labelling at scale with max_tokens=1, logprobs, and logit_bias on the same few label tokens."""

    def __init__(self, rng: random.Random):
        task = rng.choice([
            ("Classify the sentiment of the review. Answer with one word: positive, negative or neutral.",
             ["31587", "8389", "29189"]),
            ("Is this message spam? Answer spam or ham.", ["44662", "27396"]),
            ("Route the support ticket. Answer with one word: billing, technical or account.",
             ["59481", "73423", "18602"]),
            ("Does the text mention a product defect? Answer Yes or No.", ["9642", "2822"]),
        ])
        self.system, self.labels = task
        self.bias = {t: rng.choice([100, 100, 50, 20]) for t in self.labels}

    def step(self, actor, ctx, ts, state, turn):
        rng = actor.rng
        bits = rng.sample(_REVIEW_BITS, k=rng.randint(1, 4))
        review = ", ".join(b.format(adj=rng.choice(_ADJ), item=rng.choice(problems.ITEMS), n=rng.randint(1, 60),
                                    neg=rng.choice(["", " not"])) for b in bits)
        msgs = [{"role": "system", "content": self.system}, {"role": "user", "content": review}]
        context = rng.getrandbits(40)  # the text varies, so the model's logits do too
        lp = bodies.biased_next_token(context, self.bias, len(self.labels), rng)
        tok = lp["content"][0]["token"]
        return self.chat(actor, ts, msgs, lambda: tok, model="nova-2-mini", temperature=0.0, max_tokens=1,
                         logprobs=True, top_logprobs=len(self.labels), logit_bias=self.bias,
                         logprobs_fn=lambda _c: [lp])


class TranslationBehavior(Behavior):
    """A translation service: fixed instructions, customer text in, target language out."""

    def __init__(self, rng: random.Random):
        self.pairs = [(a, b) for a in text.LANGS for b in text.LANGS if a != b]
        self.template = rng.choice([
            "Translate the following text from {src} to {tgt}. Preserve formatting and placeholders.",
            "You are a professional translator. Source language: {src}. Target language: {tgt}. Output only the translation.",
        ])

    def step(self, actor, ctx, ts, state, turn):
        rng = actor.rng
        src, tgt = rng.choice(self.pairs) if rng.random() < 0.5 else ("en", rng.choice(text.LANGS[1:]))
        body = ctx.bank.answer(rng, src, rng.randint(1, 8))
        msgs = [{"role": "system", "content": self.template.format(src=src, tgt=tgt)},
                {"role": "user", "content": body}]
        return self.chat(actor, ts, msgs, lambda: ctx.bank.answer(rng, tgt, rng.randint(1, 8)),
                         model=rng.choice(["nova-2", "nova-2-mini"]), temperature=0.0)


class RagBehavior(Behavior):
    """Retrieval-augmented QA: long retrieved passages, a question, an answer citing them."""

    def __init__(self, rng: random.Random, org: str, lang: str):
        self.system = f"You answer questions for {org} employees using only the provided context. Cite passages like [2]."
        self.lang = lang

    def step(self, actor, ctx, ts, state, turn):
        rng = actor.rng
        passages = "\n\n".join(f"[{i + 1}] " + ctx.bank.answer(rng, self.lang, rng.randint(3, 9))
                               for i in range(rng.randint(3, 8)))
        q = text.chat_prompt(rng, self.lang)
        msgs = [{"role": "system", "content": self.system},
                {"role": "user", "content": f"Context:\n{passages}\n\nQuestion: {q}"}]
        return self.chat(actor, ts, msgs, lambda: ctx.bank.answer(rng, self.lang, rng.randint(2, 6))
                         + f" [{rng.randint(1, 3)}]", model="nova-2", temperature=0.1, max_tokens=600)

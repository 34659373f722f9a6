"""Composition of prompts and model answers from the pools."""
import re
import random

import pools_en as E
import pools_intl as I
import pools_special as S

_SLOT = re.compile(r"\{(\w+)\}")


def fill(template, kw):
    return _SLOT.sub(lambda m: str(kw[m.group(1)]) if m.group(1) in kw else m.group(0), template)


def est_tokens(text):
    """Rough token estimate: ~4 ASCII chars per token, ~0.9 tokens per non-ASCII char."""
    if not text:
        return 0
    n_ascii = len(text.encode("ascii", "ignore"))
    n_other = len(text) - n_ascii
    return max(1, int(n_ascii / 4.0 + n_other * 0.9 + 0.5))


def msgs_tokens(messages):
    t = 3
    for m in messages:
        t += 4 + est_tokens(m.get("content") or "")
    return t


# ------------------------------------------------------------------ prompts

def chat_slots(rng):
    t1, t2 = rng.sample(E.TOPICS, 2)
    return {
        "topic": t1, "topic2": t2, "audience": rng.choice(E.AUDIENCES), "aspect": rng.choice(E.ASPECTS),
        "tone": rng.choice(E.TONES),
    }


def prompt_general(rng):
    kw = chat_slots(rng)
    return fill(rng.choice(E.CHAT_TEMPLATES), kw), kw["topic"]


def prompt_writing(rng):
    sit = rng.choice(E.SITUATIONS)
    kw = {
        "tone": rng.choice(E.TONES), "recipient": rng.choice(E.RECIPIENTS), "situation": sit,
        "situation_cap": sit[0].upper() + sit[1:], "job": rng.choice(E.JOBS), "years": rng.randint(1, 15),
        "field": rng.choice(E.FIELDS), "product": rng.choice(E.PRODUCTS), "event": rng.choice(E.EVENTS),
        "favor": rng.choice(E.FAVORS), "hobby": rng.choice(E.HOBBIES), "achievement": rng.choice(E.ACHIEVEMENTS),
        "day": rng.choice(E.DAYS),
    }
    return fill(rng.choice(E.WRITING_TEMPLATES), kw), kw["product"]


def prompt_casual(rng):
    o1, o2 = rng.choice(E.OPTIONS)
    i1, i2, i3 = rng.sample(E.INGREDIENTS, 3)
    kw = {
        "pet": rng.choice(E.PETS), "trait": rng.choice(E.TRAITS), "appliance": rng.choice(E.APPLIANCES),
        "problem": rng.choice(E.PROBLEMS), "cook_verb": rng.choice(E.COOK_VERBS), "food": rng.choice(E.FOODS),
        "everyday_action": rng.choice(E.EVERYDAY), "genre": rng.choice(E.GENRES), "movie": rng.choice(E.MOVIES),
        "nuisance": rng.choice(E.NUISANCES), "city": rng.choice(E.CITIES), "ingredient1": i1, "ingredient2": i2,
        "ingredient3": i3, "plant": rng.choice(E.PLANTS), "roommate_issue": rng.choice(E.ROOMMATE),
        "relative": rng.choice(E.RELATIVES), "hobby": rng.choice(E.HOBBIES), "slang": rng.choice(E.SLANG),
        "option1": o1, "option2": o2, "furniture": rng.choice(E.FURNITURE), "topic": rng.choice(E.TOPICS),
        "product_kind": rng.choice(E.PRODUCT_KIND), "country": rng.choice(E.COUNTRIES_NAMES),
        "etiquette": rng.choice(E.ETIQUETTE), "activity": rng.choice(E.ACTIVITIES), "stain": rng.choice(E.STAINS),
    }
    return fill(rng.choice(E.CASUAL_TEMPLATES), kw), kw["topic"]


def prompt_code(rng, plang=None):
    plang = plang or rng.choice(E.PLANGS)
    c1, c2 = rng.choice(E.CONCEPTS)
    kw = {
        "plang": plang, "plang2": rng.choice(E.PLANGS), "fn_desc": rng.choice(E.FN_DESCS),
        "snippet": rng.choice(E.SNIPPETS), "error": rng.choice(E.ERRORS), "regex_desc": rng.choice(E.REGEX_DESCS),
        "sql_desc": rng.choice(E.SQL_DESCS), "tool": rng.choice(E.TOOLS_DEV), "perf_issue": rng.choice(E.PERF_ISSUES),
        "git_error": rng.choice(E.GIT_ERRORS), "bash_desc": rng.choice(E.BASH_DESCS), "concept": c1, "concept2": c2,
        "algorithm": rng.choice(E.ALGORITHMS), "domain_app": rng.choice(E.DOMAIN_APPS), "change": rng.choice(E.CHANGES),
    }
    return fill(rng.choice(E.CODE_TASKS), kw), plang


def prompt_intl(rng, lang):
    tops = I.TOPICS.get(lang) or E.TOPICS
    t1, t2 = rng.sample(tops, 2)
    return fill(rng.choice(I.CHAT[lang]), {"topic": t1, "topic2": t2}), t1


def math_problem(rng):
    tpl, kind = rng.choice(E.MATH_TEMPLATES)
    a = rng.randint(2, 60)
    b = rng.randint(1, 12)
    c = rng.randint(a + 1, a + 90)
    n = rng.randint(20, 5000)
    k = rng.randint(2, 9)
    kw = {"a": a, "b": b, "c": c, "n": n, "m": rng.randint(12, 900), "k": k, "h": rng.randint(1, 11),
          "mm": rng.choice(["05", "15", "20", "35", "40", "50"]), "p": 2 * (a + 2 * b) + 4, "r": rng.choice([3, 4, 5, 6, 7.5, 8, 12]),
          "y": rng.randint(2, 20), "a2": a + b, "a3": a + 2 * b, "s": a + b, "p2": a * b}
    q = fill(tpl, kw)
    # a plausible 'answer' string for templates that quote one
    if kind == "sum":
        ans = str(n * (n + 1) // 2)
    elif kind == "linear":
        ans = "x = %s" % round((c - b) / a, 4)
    elif kind == "comb":
        from math import comb
        ans = str(comb(n % 40 + k, k))
    elif kind == "mod":
        ans = str(n % k)
    elif kind == "quad":
        ans = "x = %d or x = %d" % (a, b)
    elif kind == "dice":
        ans = str(3.5 * k)
    else:
        ans = str(round(rng.uniform(1, 500), 2))
    return q, ans


def logic_problem(rng):
    kw = {"clue1": rng.choice(E.CLUES), "clue2": rng.choice(E.CLUES), "clue3": rng.choice(E.CLUES),
          "xs": rng.choice(E.XS), "ys": rng.choice(E.YS), "zs": rng.choice(E.ZS), "n": rng.choice([8, 9, 12, 27, 81])}
    return fill(rng.choice(E.LOGIC_TEMPLATES), kw), rng.choice(["No", "Yes", "Two weighings", "Bob", "Carol"])


def hard_problem(rng):
    r = rng.random()
    if r < 0.45:
        return math_problem(rng)
    if r < 0.62:
        return logic_problem(rng)
    if r < 0.82:
        return rng.choice(S.CODE_PROBLEMS), "See implementation."
    return rng.choice(E.SCIENCE_QUESTIONS), "Explained above."


def mcq(rng):
    q, opts = rng.choice(E.MCQ_STEMS)
    order = list(range(4))
    rng.shuffle(order)
    letters = "ABCD"
    shown = {letters[i]: opts[j] for i, j in enumerate(order)}
    correct = letters[order.index(0)]
    return q, shown, correct


def ticket_doc(rng):
    kw = {"num": rng.randint(10000, 999999), "name": rng.choice(E.PERSON_NAMES)}
    parts = [rng.choice(E.TICKET_OPENERS), rng.choice(E.TICKET_BODIES) + "."]
    if rng.random() < 0.5:
        parts.append(rng.choice(E.TICKET_BODIES).capitalize() + " too.")
    parts.append(fill(rng.choice(E.TICKET_CLOSERS), kw))
    return " ".join(parts)


def review_doc(rng):
    k = rng.randint(2, 5)
    return " ".join(fill(rng.choice(E.REVIEW_PARTS), {"adj": rng.choice(E.ADJ)}) for _ in range(k))


def rag_context(rng, org, subj, ndocs):
    docs = []
    for d in range(ndocs):
        sents = []
        for _ in range(rng.randint(2, 4)):
            sents.append(fill(rng.choice(E.RAG_DOC_SENTENCES), {
                "subj": subj if rng.random() < 0.7 else rng.choice(E.RAG_DOC_SUBJECTS), "n": rng.choice([3, 5, 7, 10, 14, 30, 60, 90]),
                "month": rng.choice(E.MONTHS), "team": rng.choice(E.TEAMS), "p": rng.randint(1, 4),
                "kb": rng.randint(1000, 9999)}))
        docs.append("[doc %d] %s" % (d + 1, " ".join(sents)))
    return "\n".join(docs)


# ------------------------------------------------------------------ answers

def answer_en(rng, topic, n_sent, audience=None):
    kw = {"topic": topic, "topic2": rng.choice(E.TOPICS), "audience": audience or rng.choice(E.AUDIENCES)}
    out = []
    style = rng.random()
    if style < 0.35:
        out.append(fill(rng.choice(E.ANSWER_SENTENCES[-4:]), kw))
        for s in rng.sample(E.ANSWER_SENTENCES[:-4], min(n_sent, len(E.ANSWER_SENTENCES) - 4)):
            out.append(fill(s, kw))
        return " ".join(out)
    if style < 0.65:
        out.append(fill(rng.choice(E.ANSWER_SENTENCES[:-4]), kw))
        bullets = rng.sample(E.BULLET_SENTENCES, min(max(2, n_sent - 1), len(E.BULLET_SENTENCES)))
        out.append("\n".join("- " + b for b in bullets))
        return "\n\n".join(out)
    paras = []
    sents = rng.sample(E.ANSWER_SENTENCES, min(n_sent, len(E.ANSWER_SENTENCES)))
    step = max(2, len(sents) // 2)
    for i in range(0, len(sents), step):
        paras.append(" ".join(fill(s, kw) for s in sents[i:i + step]))
    return "\n\n".join(paras)


def answer_lang(rng, lang, topic, n_sent):
    if lang == "en" or lang not in I.ANSWER:
        return answer_en(rng, topic, n_sent)
    pool = I.ANSWER[lang]
    k = min(len(pool), max(2, n_sent))
    sep = "" if lang in ("zh", "ja") else " "
    return sep.join(fill(s, {"topic": topic}) for s in rng.sample(pool, k))


CODE_BODIES = [
    "def solve(items):\n    seen = set()\n    out = []\n    for x in items:\n        if x not in seen:\n            seen.add(x)\n            out.append(x)\n    return out",
    "function chunk(arr, n) {\n  const out = [];\n  for (let i = 0; i < arr.length; i += n) out.push(arr.slice(i, i + n));\n  return out;\n}",
    "func Reverse(s string) string {\n    r := []rune(s)\n    for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {\n        r[i], r[j] = r[j], r[i]\n    }\n    return string(r)\n}",
    "fn mean(xs: &[f64]) -> Option<f64> {\n    if xs.is_empty() { return None; }\n    Some(xs.iter().sum::<f64>() / xs.len() as f64)\n}",
    "SELECT customer_id, SUM(amount) AS revenue\nFROM orders\nWHERE created_at >= date_trunc('month', now())\nGROUP BY customer_id\nORDER BY revenue DESC\nLIMIT 5;",
    "import time\n\ndef retry(fn, attempts=5, base=0.5):\n    for i in range(attempts):\n        try:\n            return fn()\n        except Exception:\n            if i == attempts - 1:\n                raise\n            time.sleep(base * 2 ** i)",
    "class LRU:\n    def __init__(self, cap):\n        from collections import OrderedDict\n        self.cap, self.d = cap, OrderedDict()\n    def get(self, k):\n        if k not in self.d:\n            return -1\n        self.d.move_to_end(k)\n        return self.d[k]\n    def put(self, k, v):\n        self.d[k] = v\n        self.d.move_to_end(k)\n        if len(self.d) > self.cap:\n            self.d.popitem(last=False)",
    "public static boolean isPalindrome(String s) {\n    int i = 0, j = s.length() - 1;\n    while (i < j) if (s.charAt(i++) != s.charAt(j--)) return false;\n    return true;\n}",
    "#!/usr/bin/env bash\nfind . -type f -printf '%s %p\\n' | sort -nr | head -10",
    "def is_prime(n):\n    if n < 2:\n        return False\n    i = 2\n    while i * i <= n:\n        if n % i == 0:\n            return False\n        i += 1\n    return True",
]
CODE_LEADS = ["Here's a version that fixes the issue:", "You can do it like this:", "The bug is an off-by-one; corrected code:",
              "A clean implementation:", "Try this:", "Here is an idiomatic approach:", "Refactored version:"]
CODE_TAILS = ["This runs in O(n) time and O(n) extra space.", "Let me know if you need tests for it.",
              "Note the boundary condition in the loop.", "You could also use the standard library helper for this.",
              "Make sure to handle the empty-input case.", "I added comments where the behaviour changed."]


def answer_code(rng, plang="python"):
    lang_tag = plang.lower().replace("#", "sharp").replace("+", "p")
    return "%s\n\n```%s\n%s\n```\n\n%s" % (rng.choice(CODE_LEADS), lang_tag, rng.choice(CODE_BODIES), rng.choice(CODE_TAILS))


STEP_EN = [
    "Let me restate the problem to make sure I have it right.", "First, identify what is given and what is asked.",
    "I'll define variables for the unknown quantities.", "Setting up the equation from the first condition.",
    "Substituting the known values gives a simpler expression.", "Now simplify both sides.",
    "Wait, I should check whether this assumption holds in the edge case.", "That approach leads to a contradiction, so I'll discard it.",
    "Let me try a different method: work backwards from the goal.", "Check: plugging the value back in satisfies the original condition.",
    "Consider the case where the input is empty or zero.", "The recurrence can be computed bottom-up to avoid repeated work.",
    "Compare the two candidate answers; only one respects the constraint.", "Hmm, the units don't match, so I need to convert first.",
    "Breaking the problem into two sub-cases.", "In the first sub-case the inequality is strict.",
    "In the second sub-case we can reuse the earlier result.", "Estimating the magnitude as a sanity check.",
    "The invariant is preserved by every step of the loop.", "Therefore the complexity is dominated by the sort.",
    "Double-checking the arithmetic: the intermediate total is consistent.", "I considered a greedy approach but it fails on a counterexample.",
    "So the final result follows.", "Let me verify with a small example by hand.",
]
STEP_ZH = ["先复述一下题目，确保理解正确。", "首先找出已知条件和所求量。", "设未知数，列出方程。", "代入已知数值，化简表达式。",
           "等一下，需要检查这个假设在边界情况下是否成立。", "这个思路会导致矛盾，所以放弃。", "换一种方法：从结论倒推。",
           "验证：把结果代回原条件，成立。", "分两种情况讨论。", "用一个小例子手算验证一下。", "因此得到最终结果。", "再检查一遍计算，中间结果一致。"]


def answer_steps(rng, lang, n_steps, final, tagged=False):
    pool = STEP_ZH if lang == "zh" else STEP_EN
    lines = []
    for i in range(n_steps):
        s = rng.choice(pool)
        if lang == "zh":
            lines.append("第%d步：%s" % (i + 1, s))
        else:
            lines.append("Step %d: %s" % (i + 1, s))
    body = "\n".join(lines)
    if tagged:
        body = "<thinking>\n" + body + "\n</thinking>"
    tail = ("答案：" if lang == "zh" else "ANSWER: ") + final
    return body + "\n\n" + tail


def answer_structured(rng, lang, topic, n_sections):
    heads_en = ["Overview", "Key concepts", "Worked example", "Common pitfalls", "Advanced notes", "Summary", "Exercise", "Solution"]
    if lang != "en":
        parts = []
        for i in range(n_sections):
            parts.append("## %d\n%s" % (i + 1, answer_lang(rng, lang, topic, 3)))
        return "\n\n".join(parts)
    parts = []
    for h in rng.sample(heads_en, min(n_sections, len(heads_en))):
        parts.append("## %s\n%s" % (h, answer_en(rng, topic, rng.randint(2, 4))))
    return "\n\n".join(parts)


CRITIQUE = ["Response A is more complete but includes an unsupported claim.", "Response B answers the question directly and is better organized.",
            "Both responses miss the edge case mentioned in the prompt.", "A is verbose; B is concise but omits a key step.",
            "The tone of A is more appropriate for the user.", "B contains a factual error in the second paragraph.",
            "A follows the formatting instruction; B ignores it.", "Neither cites a source, but A hedges appropriately.",
            "B's code would fail on empty input.", "A's explanation of the mechanism is clearer."]


def answer_judge(rng, lang="en", jsonish=False):
    if jsonish:
        return '{"preferred": "%s", "margin": %d, "rationale": "%s"}' % (rng.choice("AB"), rng.randint(1, 5), rng.choice(CRITIQUE))
    crit = " ".join(rng.sample(CRITIQUE, rng.randint(2, 5)))
    if lang == "zh":
        return "分析：回答A更完整，但有一处没有依据的说法；回答B更简洁。\n" + crit + "\n结论：" + rng.choice("AB")
    return crit + "\n\nWinner: " + rng.choice("AB")


def short_candidate(rng, q_topic):
    return answer_en(rng, q_topic, rng.randint(1, 3))


# ------------------------------------------------------------------ token vocabulary (for logprobs)
_SYL = ["th", "e", "an", "in", "er", "on", "re", "at", "en", "ed", "ing", "st", "al", "ou", "is", "it", "ar", "or",
        "es", "le", "ion", "ent", "ic", "com", "pro", "con", "un", "de", "ly", "ment", "ter", "ch", "sh", "qu", "x", "z"]


_ASCII_TOK = [chr(c) for c in range(33, 127)]


def vocab_token(tid):
    if tid < len(_ASCII_TOK):          # low ids are single printable characters ("0" is id 15)
        return _ASCII_TOK[tid]
    r = random.Random(tid * 7919 + 17)
    n = r.choice([1, 1, 2, 2, 3])
    s = "".join(r.choice(_SYL) for _ in range(n))
    if r.random() < 0.45:
        s = " " + s
    if r.random() < 0.05:
        s = s.capitalize()
    return s


_TOK = re.compile(r"\s?[A-Za-z]+|\s?\d|\s?[^\sA-Za-z\d]|\s+")


def pseudo_tokens(text, limit):
    out = _TOK.findall(text)
    return out[:limit]

"""Task generators shared by honest users and harvesters: maths, code, cases, puzzles.

Both sides ask for the same kinds of problems (students do homework, engineers
debug, analysts write SQL); what differs is how many, how broad, and how they ask.
Keeping one generator for both stops detection from keying on the problem text.
"""

from __future__ import annotations

import random

from antidistill.sim.text import TOPICS_EN

NAMES = ["Ava", "Liam", "Noah", "Mia", "Chen", "Aiko", "Mateo", "Sofia", "Ivan", "Amara", "Lukas",
         "Chloé", "João", "Priya", "Omar", "Fatima", "Kenji", "Olga", "Diego", "Hannah", "Yusuf"]
CITIES = ["Lyon", "Denver", "Osaka", "Porto", "Kraków", "Austin", "Recife", "Leeds", "Pune", "Quito",
          "Graz", "Busan", "Tartu", "Perth", "Malmö", "Cork", "Tucson", "Valencia", "Hanoi", "Ottawa"]
ITEMS = ["apples", "notebooks", "tickets", "bolts", "bottles of juice", "chairs", "books", "tiles",
         "cupcakes", "widgets", "bus passes", "seedlings", "batteries", "t-shirts", "coffee beans (kg)"]

_MATH = [
    "{a} buys {n1} {item} at ${p1} each and {n2} more at ${p2} each. What is the average price per item?",
    "A train leaves {c1} at {h}:00 travelling at {v1} km/h. Another leaves {c2}, {d} km away, at {h2}:30 "
    "travelling towards it at {v2} km/h. When do they meet?",
    "Find all real x such that {n1}x^2 - {n2}x + {n3} = 0.",
    "What is the probability of getting at least {k} heads in {n2} fair coin flips?",
    "A tank fills in {n1} hours with pipe A and {n2} hours with pipe B. How long with both open?",
    "{a} invests ${p1}00 at {r}% compounded monthly. How much after {n1} years?",
    "Prove that the sum of the first {n1} odd numbers is a perfect square.",
    "How many ways can {n1} people sit around a round table if {a} and {b} refuse to sit together?",
    "The sides of a triangle are {n1}, {n2} and {n3}. Is it acute, right or obtuse? Find its area.",
    "Evaluate the integral of x^{k} * e^(-{n1}x) from 0 to infinity.",
    "A shop discounts a ${p1} item by {r}% and then adds {k}% tax. What is the final price?",
    "Solve the system: {n1}x + {n2}y = {n3}, {k}x - y = {r}.",
    "What is the remainder when {n1}^{n2} is divided by {k}?",
    "{a} is {n1} years older than {b}. In {k} years {a} will be twice as old as {b}. How old is {b}?",
    "A rectangle's perimeter is {n3} and its length is {k} more than its width. Find the area.",
    "How many integers between 1 and {n3}00 are divisible by {k} but not by {n1}?",
]

_CODE_TASKS = [
    "write a {lang} function that {spec}",
    "implement {spec2} in {lang}",
    "why does this {lang} code throw {err}? {snippet}",
    "optimize this {lang} function, it's too slow on large inputs: {snippet}",
    "convert this {lang} snippet to {lang2}: {snippet}",
    "write unit tests for a {lang} function that {spec}",
    "what's wrong with my {lang} code {snippet}",
    "explain what this {lang} code does line by line: {snippet}",
]
_SPECS = ["merges two sorted lists", "parses ISO dates", "deduplicates a list while keeping order",
          "finds the longest palindromic substring", "validates an email address", "flattens nested dicts",
          "computes a moving average", "retries an HTTP call with exponential backoff",
          "reads a CSV and groups rows by a column", "checks if a binary tree is balanced",
          "converts roman numerals to integers", "rate-limits function calls",
          "returns the k most frequent words", "detects a cycle in a linked list",
          "serialises a graph to JSON", "paginates a REST API", "computes Levenshtein distance"]
_SPECS2 = ["an LRU cache", "a trie", "Dijkstra's algorithm", "a thread-safe queue", "binary search",
           "a JSON pretty printer", "quicksort", "a bloom filter", "a token bucket", "union-find"]
_PLANGS = ["Python", "JavaScript", "TypeScript", "Go", "Rust", "Java", "C++", "C#", "SQL", "Kotlin",
           "Swift", "PHP", "Ruby", "Bash"]
_ERRS = ["a KeyError", "TypeError: undefined is not a function", "a segfault", "an index out of range",
         "NullPointerException", "a borrow checker error", "a deadlock", "RecursionError"]
_SNIPPETS = [
    "```\nfor i in range(len(xs)):\n    if xs[i] = target:\n        return i\n```",
    "```\nconst total = items.map(i => i.price).reduce((a, b) => a + b)\n```",
    "```\nSELECT name, COUNT(*) FROM orders JOIN users ON id = user_id GROUP BY 1\n```",
    "```\nfunc worker(ch chan int) {\n  for v := range ch { results = append(results, v*2) }\n}\n```",
    "```\ndef fib(n):\n    return fib(n-1) + fib(n-2)\n```",
    "```\nlet v = vec![1, 2, 3];\nlet first = &v[0];\nv.push(4);\nprintln!(\"{}\", first);\n```",
    "```\nwhile (node != null) { node = node.next; count++ }\nreturn node.value;\n```",
    "```\ndata = json.load(open(path))\nfor k in data:\n    del data[k]['tmp']\n```",
]

_CASES = [
    "A {age}-year-old presents with {sym1} and {sym2} for {n1} days. What is the differential diagnosis?",
    "My landlord in {c1} kept my deposit of ${p1}00 citing {issue}. Is that legal and what can I do?",
    "A company has revenue of ${p1}M, margin {r}% and {n1}% growth. Estimate a fair valuation.",
    "Two suppliers offer {item}: one at ${p1} with {k}% defects, one at ${p2} with {r}% defects. Which is cheaper?",
    "In a clinical trial of {n1}00 patients, {k}% improved on the drug vs {r}% on placebo. Is it significant?",
    "Explain why {topic} might fail in a city like {c1}, with evidence.",
]
_SYMPTOMS = ["fever", "headache", "chest pain", "fatigue", "a rash", "joint pain", "cough", "dizziness",
             "abdominal pain", "shortness of breath"]
_ISSUES = ["normal wear", "a late payment", "cleaning costs", "a broken blind", "repainting"]

_PUZZLES = [
    "Three boxes are labelled apples, oranges and mixed, and all labels are wrong. You may draw one fruit "
    "from one box. How do you relabel them? (variant {n1})",
    "{a} says {b} lies. {b} says {c} lies. {c} says both {a} and {b} lie. Who tells the truth?",
    "You have {n1} coins, one is counterfeit and lighter. What is the minimum number of weighings?",
    "A {n1}x{n1} grid: how many paths from the top-left to the bottom-right moving only right or down?",
    "If it takes {k} machines {k} minutes to make {k} widgets, how long do {n2} machines take for {n2} widgets?",
]


def _nums(rng: random.Random) -> dict:
    return dict(
        a=rng.choice(NAMES), b=rng.choice(NAMES), c=rng.choice(NAMES), c1=rng.choice(CITIES),
        c2=rng.choice(CITIES), item=rng.choice(ITEMS), n1=rng.randint(2, 40), n2=rng.randint(2, 40),
        n3=rng.randint(5, 90), k=rng.randint(2, 9), r=rng.randint(2, 30), p1=rng.randint(2, 99),
        p2=rng.randint(2, 99), h=rng.randint(5, 11), h2=rng.randint(5, 11), v1=rng.randint(40, 160),
        v2=rng.randint(40, 160), d=rng.randint(100, 900), age=rng.randint(18, 88),
        sym1=rng.choice(_SYMPTOMS), sym2=rng.choice(_SYMPTOMS), issue=rng.choice(_ISSUES),
        topic=rng.choice(TOPICS_EN),
    )


def math_problem(rng: random.Random) -> str:
    return rng.choice(_MATH).format(**_nums(rng))


def code_task(rng: random.Random) -> str:
    lang = rng.choice(_PLANGS)
    return rng.choice(_CODE_TASKS).format(
        lang=lang, lang2=rng.choice(_PLANGS), spec=rng.choice(_SPECS), spec2=rng.choice(_SPECS2),
        err=rng.choice(_ERRS), snippet=rng.choice(_SNIPPETS),
    )


def case_question(rng: random.Random) -> str:
    return rng.choice(_CASES).format(**_nums(rng))


def puzzle(rng: random.Random) -> str:
    return rng.choice(_PUZZLES).format(**_nums(rng))


#: Broad domains a harvester covers; an honest user tends to stay in one or two.
DOMAINS = {"math": math_problem, "code": code_task, "case": case_question, "puzzle": puzzle}


def any_problem(rng: random.Random, domains: tuple[str, ...] = tuple(DOMAINS)) -> str:
    return DOMAINS[rng.choice(domains)](rng)


def code_answer(rng: random.Random) -> str:
    """A plausible code answer: some prose, a fenced block, a note."""
    name = rng.choice(["solve", "process", "merge", "parse_items", "handler", "compute", "run"])
    body = rng.sample(
        ["    result = []", "    seen = set()", "    for item in items:", "        if item in seen:",
         "            continue", "        seen.add(item)", "        result.append(item)",
         "    items = sorted(items, key=lambda x: x[1])", "    cache = {}", "    total = 0",
         "    while queue:", "        node = queue.pop()", "    return result"],
        k=rng.randint(4, 9),
    )
    return (
        f"Here's one way to do it:\n\n```python\ndef {name}(items):\n" + "\n".join(body)
        + "\n    return result\n```\n\n"
        + rng.choice(["This runs in O(n) time.", "Note the edge case of an empty input.",
                      "You could also use a generator here.", "Complexity is O(n log n) because of the sort."])
    )

"""Shared world: time window, models, network space, user agents, sign-up metadata, the classifier."""
import math
import random
from datetime import datetime, timezone, timedelta

# ------------------------------------------------------------------ time
WINDOW_START = datetime(2026, 6, 8, 0, 0, 0, tzinfo=timezone.utc)   # a Monday
WINDOW_DAYS = 7
WINDOW_END = WINDOW_START + timedelta(days=WINDOW_DAYS)
T0 = int(WINDOW_START.timestamp() * 1000)
T1 = int(WINDOW_END.timestamp() * 1000)
HOUR = 3600 * 1000
DAY = 24 * HOUR
RELEASE_MS = T0 + 3 * DAY + 16 * HOUR   # Thursday 16:00 UTC: lyra-2.5-large goes live


def iso_ms(ms):
    dt = datetime.fromtimestamp(ms / 1000.0, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def iso_variant(ms, variant, micro=0):
    dt = datetime.fromtimestamp(ms // 1000, tz=timezone.utc)
    base = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if variant == 1:
        return base + ".%03d%03d+00:00" % (ms % 1000, micro)
    if variant == 2:
        return base + "Z"
    return base + ".%03dZ" % (ms % 1000)


def iso_s(ms):
    return datetime.fromtimestamp(ms // 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# diurnal profiles: weight for (local hour, is_weekend)
def _w(profile, h, we):
    if profile == "office":
        if we:
            return 0.04
        if 9 <= h < 18:
            return 1.0
        if h in (7, 8, 18, 19):
            return 0.35
        return 0.03
    if profile == "consumer":
        base = [0.15, 0.08, 0.04, 0.03, 0.03, 0.05, 0.15, 0.35, 0.5, 0.6, 0.65, 0.7, 0.75, 0.7, 0.65, 0.65, 0.7, 0.8, 0.9, 1.0, 1.0, 0.95, 0.7, 0.35][h]
        return base * (1.25 if we else 1.0)
    if profile == "student":
        base = [0.4, 0.25, 0.1, 0.04, 0.02, 0.02, 0.04, 0.1, 0.3, 0.55, 0.7, 0.7, 0.6, 0.7, 0.8, 0.8, 0.75, 0.7, 0.6, 0.7, 0.9, 1.0, 0.9, 0.7][h]
        return base * (0.8 if we else 1.0)
    if profile == "flat":
        return 0.75 + 0.25 * math.sin((h - 8) / 24.0 * 2 * math.pi)
    if profile == "night":
        return 1.0 if (h < 5 or h >= 23) else 0.05
    if profile == "wide":   # long working day, weekends too (operations run by a team)
        if 8 <= h < 24:
            return 1.0 if not we else 0.6
        return 0.12
    if profile == "business_global":
        return 0.5 + 0.5 * (1.0 if 6 <= h < 22 else 0.2) * (0.6 if we else 1.0)
    return 1.0


_WCACHE = {}


def hour_cum(profile, tz):
    key = (profile, tz)
    if key in _WCACHE:
        return _WCACHE[key]
    cum = []
    tot = 0.0
    for i in range(WINDOW_DAYS * 24):
        local = i + tz
        h = local % 24
        dow = (local // 24) % 7   # 0 = Monday (window starts Monday 00:00 UTC)
        tot += _w(profile, h, dow >= 5)
        cum.append(tot)
    _WCACHE[key] = cum
    return cum


def session_starts(rng, profile, tz, n, lo=T0, hi=T1):
    """n session start times drawn from the diurnal profile, restricted to [lo, hi)."""
    cum = hour_cum(profile, tz)
    out = []
    tries = 0
    while len(out) < n and tries < n * 20 + 50:
        tries += 1
        i = rng.choices(range(len(cum)), cum_weights=cum)[0]
        t = T0 + i * HOUR + rng.randrange(HOUR)
        if lo <= t < hi:
            out.append(t)
    if not out:
        out.append(max(lo, T0) + rng.randrange(max(1, min(hi, T1) - max(lo, T0))))
    out.sort()
    return out


def spread(rng, n, profile, tz, sess_mean=6.0, gap_s=40.0, lo=T0, hi=T1, gap_sd=1.0):
    """n timestamps in sessions: sessions of ~sess_mean requests, exponential-ish gaps."""
    if n <= 0:
        return []
    n_sess = max(1, int(round(n / max(1.0, sess_mean))))
    starts = session_starts(rng, profile, tz, n_sess, lo, hi)
    sizes = [1] * len(starts)
    for _ in range(n - len(starts)):
        sizes[rng.randrange(len(starts))] += 1
    ts = []
    for st, k in zip(starts, sizes):
        t = st
        for _ in range(k):
            if t >= hi:
                break
            ts.append(t)
            g = rng.lognormvariate(math.log(gap_s), gap_sd) * 1000.0
            t += int(g) + 50
    ts.sort()
    return ts[:n]


# ------------------------------------------------------------------ models
MODEL_LARGE = "lyra-2-large"
MODEL_MINI = "lyra-2-mini"
MODEL_NEW = "lyra-2.5-large"
MODEL_THINK = "lyra-think-1"
MODEL_SNAPSHOT = "lyra-2-large-2026-03-01"
MODEL_BASE = "lyra-base-2"          # /v1/completions
MODEL_MINI_LEGACY = "lyra-2-mini-instruct"   # /v1/completions
CHAT_MODELS = [MODEL_LARGE, MODEL_MINI, MODEL_NEW, MODEL_THINK, MODEL_SNAPSHOT]
MS_PER_TOKEN = {MODEL_LARGE: 22, MODEL_MINI: 8, MODEL_NEW: 19, MODEL_THINK: 28, MODEL_SNAPSHOT: 23,
                MODEL_BASE: 12, MODEL_MINI_LEGACY: 7}
VOCAB_SIZE = 200064

# ------------------------------------------------------------------ network
RESI_PREFIX = {
    "US": [73, 98, 24, 68, 71, 76, 99, 107, 174], "CA": [70, 142, 174, 184], "GB": [81, 86, 90, 92, 109],
    "DE": [84, 87, 91, 93, 79], "FR": [86, 90, 92, 176], "ES": [83, 88, 95, 79], "IT": [79, 87, 93, 151],
    "NL": [77, 84, 145], "PL": [31, 83, 89], "BR": [177, 179, 186, 189, 191], "MX": [187, 189, 201],
    "AR": [181, 186, 190], "IN": [49, 106, 117, 122, 223], "ID": [36, 110, 114, 182], "VN": [14, 27, 113, 171],
    "JP": [60, 106, 126, 133, 153], "KR": [121, 175, 211, 222], "CN": [112, 113, 117, 183, 220, 222],
    "HK": [42, 58, 112], "SG": [116, 118, 175], "TW": [1, 36, 111, 114], "RU": [5, 46, 95, 178, 188],
    "TR": [78, 88, 176, 188], "EG": [41, 156, 197], "SA": [37, 95, 188], "AE": [2, 5, 94], "NG": [41, 102, 105, 197],
    "KE": [41, 102, 105], "ZA": [41, 102, 105, 196], "AU": [1, 49, 101, 120], "MY": [60, 115, 175], "TH": [1, 49, 110, 171],
    "PH": [49, 112, 120, 175], "UA": [37, 46, 93, 176], "SE": [78, 81, 83, 94], "CH": [31, 46, 85, 178], "IE": [37, 78, 86, 89],
    "PT": [2, 85, 89, 94], "IL": [5, 31, 46, 77], "PK": [39, 111, 119, 182], "CO": [181, 186, 190, 191], "CL": [152, 181, 186, 190],
}
CLOUD_PREFIX = [(3, None), (13, None), (18, None), (34, None), (35, None), (52, None), (54, None), (20, None), (40, None),
                (104, None), (159, 89), (167, 71), (5, 161), (65, 108), (95, 217), (138, 68), (143, 198), (45, 76), (139, 59)]

LANG_COUNTRIES = {"en": ["US", "GB", "CA", "AU", "IE", "IN", "NG", "ZA", "SG", "KE", "PH"], "zh": ["CN", "TW", "HK", "SG", "MY"],
                  "ja": ["JP"], "ko": ["KR"], "es": ["ES", "MX", "AR", "CO", "CL"], "pt": ["BR", "PT"], "de": ["DE", "CH"],
                  "fr": ["FR", "CH"], "ru": ["RU", "UA"], "it": ["IT"], "id": ["ID"], "vi": ["VN"], "tr": ["TR"],
                  "ar": ["EG", "SA", "AE"], "hi": ["IN"], "pl": ["PL"], "nl": ["NL"]}
COUNTRY_TZ = {"US": -6, "CA": -5, "GB": 0, "DE": 1, "FR": 1, "ES": 1, "IT": 1, "NL": 1, "PL": 1, "BR": -3, "MX": -6, "AR": -3,
              "IN": 5, "ID": 7, "VN": 7, "JP": 9, "KR": 9, "CN": 8, "HK": 8, "SG": 8, "TW": 8, "RU": 3, "TR": 3, "EG": 2,
              "SA": 3, "AE": 4, "NG": 1, "KE": 3, "ZA": 2, "AU": 10, "MY": 8, "TH": 7, "PH": 8, "UA": 2, "SE": 1, "CH": 1,
              "IE": 0, "PT": 0, "IL": 2, "PK": 5, "CO": -5, "CL": -4}


def resi_ip(rng, country):
    a = rng.choice(RESI_PREFIX.get(country, RESI_PREFIX["US"]))
    return "%d.%d.%d.%d" % (a, rng.randrange(256), rng.randrange(256), rng.randrange(1, 255))


def resi_ip6(rng):
    p = rng.choice(["2a02", "2a01", "2001", "2600", "2603", "2406", "2409", "240e", "2804", "2a00"])
    return "%s:%x:%x:%x:%x:%x:%x:%x" % (p, rng.randrange(65536), rng.randrange(65536), rng.randrange(65536),
                                        rng.randrange(65536), rng.randrange(65536), rng.randrange(65536), rng.randrange(65536))


def cloud_block(rng):
    """A /24 in cloud-like space, returned as a 3-octet prefix string."""
    a, b = rng.choice(CLOUD_PREFIX)
    if b is None:
        b = rng.randrange(256)
    return "%d.%d.%d" % (a, b, rng.randrange(256))


def ip_in(rng, block24):
    return "%s.%d" % (block24, rng.randrange(2, 254))


# ------------------------------------------------------------------ user agents
def ua_openai_py(rng, old=False):
    if old:
        return "OpenAI/Python 1.%d.%d" % (rng.randint(12, 40), rng.randint(0, 9))
    return "OpenAI/Python 1.%d.%d" % (rng.randint(45, 92), rng.randint(0, 6))


def ua_pick(rng, kind):
    if kind == "openai-py":
        return ua_openai_py(rng)
    if kind == "openai-js":
        return "OpenAI/JS 4.%d.%d" % (rng.randint(40, 104), rng.randint(0, 3))
    if kind == "requests":
        return "python-requests/2.%d.%d" % (rng.choice([28, 31, 31, 32, 32]), rng.randint(0, 3))
    if kind == "httpx":
        return "python-httpx/0.%d.%d" % (rng.choice([25, 26, 27, 28]), rng.randint(0, 2))
    if kind == "aiohttp":
        return "Python/3.%d aiohttp/3.%d.%d" % (rng.choice([10, 11, 12]), rng.choice([8, 9, 10]), rng.randint(0, 5))
    if kind == "curl":
        return rng.choice(["curl/7.81.0", "curl/7.88.1", "curl/8.4.0", "curl/8.5.0", "curl/8.7.1", "curl/8.9.1"])
    if kind == "node":
        return rng.choice(["node-fetch/1.0 (+https://github.com/bitinn/node-fetch)", "undici", "axios/1.%d.%d" % (rng.randint(4, 7), rng.randint(0, 9))])
    if kind == "go":
        return "Go-http-client/%s" % rng.choice(["1.1", "2.0"])
    if kind == "java":
        return rng.choice(["Java-http-client/17.0.%d" % rng.randint(2, 11), "okhttp/4.%d.0" % rng.randint(9, 12), "Apache-HttpClient/5.2.1 (Java/17)"])
    if kind == "langchain":
        return "langchain-openai/0.%d.%d %s" % (rng.randint(1, 3), rng.randint(0, 20), ua_openai_py(rng))
    if kind == "litellm":
        return "litellm/1.%d.%d" % (rng.randint(40, 60), rng.randint(0, 20))
    if kind == "dotnet":
        return "Azure.AI.OpenAI/2.%d.0 (.NET 8.0)" % rng.randint(0, 1)
    if kind == "browser":
        return rng.choice(["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36",
                           "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
                           "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0"])
    if kind == "postman":
        return "PostmanRuntime/7.%d.0" % rng.randint(32, 40)
    if kind == "r":
        return "httr2/1.0.1 r-curl/5.2.1 libcurl/8.6.0"
    if kind == "ruby":
        return "Faraday v2.%d.0" % rng.randint(7, 10)
    return "OpenAI/Python 1.55.0"


GENERIC_UA_KINDS = ["openai-py"] * 6 + ["openai-js"] * 3 + ["requests"] * 3 + ["httpx", "aiohttp", "curl", "curl", "node", "go",
                                                                            "java", "langchain", "litellm", "dotnet", "postman", "ruby"]


# ------------------------------------------------------------------ sign-up metadata
SYL = ["nor", "blu", "vex", "tal", "mar", "kin", "zen", "or", "ast", "lum", "cor", "fin", "hal", "iv", "ost", "rav", "sol",
       "tri", "ver", "wil", "pax", "quil", "sen", "dra", "bel", "cam", "dor", "eno", "gal", "hex"]
ORG_SUFFIX = ["Labs", "Analytics", "Health", "Systems", "AI", "Software", "Technologies", "Digital", "Group", "Studio",
              "Partners", "Robotics", "Data", "Cloud", "Logistics", "Learning", "Media", "Bank", "Insurance", "Retail"]
TLDS = ["com", "com", "com", "io", "ai", "co", "de", "fr", "co.uk", "com.br", "co.jp", "nl", "es", "in", "com.au", "dev", "app"]
FREEMAIL = {"en": ["gmail.com", "outlook.com", "yahoo.com", "icloud.com", "hotmail.com"], "zh": ["qq.com", "163.com", "126.com", "gmail.com", "outlook.com"],
            "ja": ["gmail.com", "yahoo.co.jp", "icloud.com"], "ko": ["naver.com", "gmail.com", "daum.net"],
            "ru": ["yandex.ru", "mail.ru", "gmail.com"], "de": ["gmx.de", "web.de", "gmail.com", "t-online.de"],
            "fr": ["orange.fr", "gmail.com", "free.fr", "laposte.net"], "es": ["gmail.com", "hotmail.com", "yahoo.es", "outlook.es"],
            "pt": ["gmail.com", "hotmail.com", "uol.com.br", "bol.com.br"]}
PRIVACY_MAIL = ["proton.me", "protonmail.com", "tutanota.com", "pm.me", "fastmail.com", "duck.com"]
UNIV_DOMAINS = ["cs.uni-heidelberg.de", "stanford.edu", "ox.ac.uk", "ethz.ch", "u-tokyo.ac.jp", "tsinghua.edu.cn", "utoronto.ca",
                "iitb.ac.in", "unimelb.edu.au", "kaist.ac.kr", "usp.br", "epfl.ch", "cmu.edu", "tum.de", "uva.nl", "nus.edu.sg",
                "ucl.ac.uk", "mit.edu", "berkeley.edu", "snu.ac.kr", "unam.mx", "kth.se", "uw.edu", "umich.edu"]


def org_name(rng):
    name = "".join(rng.choice(SYL) for _ in range(rng.choice([2, 2, 3]))).capitalize()
    return "%s %s" % (name, rng.choice(ORG_SUFFIX)), name.lower()


def org_domain(rng, stem):
    return "%s.%s" % (stem + rng.choice(["", "", "", "hq", "-labs", "app", "ai"]), rng.choice(TLDS))


def pay_fp(rng):
    return "pf_" + "%020x" % rng.getrandbits(80)


def created_ms(rng, kind):
    """Sign-up time in ms for a few archetypes."""
    if kind == "old":
        return T0 - rng.randint(60, 900) * DAY - rng.randrange(DAY)
    if kind == "mid":
        return T0 - rng.randint(14, 120) * DAY - rng.randrange(DAY)
    if kind == "recent":
        return T0 - rng.randint(1, 20) * DAY - rng.randrange(DAY)
    if kind == "in_window":
        return T0 + rng.randrange(6 * DAY)
    return T0 - rng.randint(30, 600) * DAY


# ------------------------------------------------------------------ classifier behind /v1/predict
# Feature order: age, annual_income, debt_to_income, open_credit_lines, delinquencies_2y, utilization,
# months_employed, loan_amount, term_months, has_mortgage, region_code, recent_inquiries
FEATURE_LO = [18, 8000, 0.0, 0, 0, 0.0, 0, 1000, 12, 0, 0, 0]
FEATURE_HI = [85, 400000, 1.2, 25, 8, 1.0, 480, 50000, 60, 1, 9, 10]
FEATURE_MEAN = [42.0, 62000.0, 0.32, 7.5, 0.4, 0.35, 84.0, 14000.0, 38.0, 0.4, 4.5, 1.6]
FEATURE_STD = [12.5, 38000.0, 0.17, 4.2, 0.9, 0.24, 70.0, 9500.0, 15.0, 0.49, 2.9, 1.7]
INT_FEATURES = {0, 3, 4, 6, 8, 9, 10, 11}


class Classifier:
    def __init__(self):
        r = random.Random(424242)
        self.h = 8
        self.W1 = [[r.gauss(0, 0.7) for _ in range(12)] for _ in range(self.h)]
        self.b1 = [r.gauss(0, 0.3) for _ in range(self.h)]
        self.W2 = [[r.gauss(0, 1.1) for _ in range(self.h)] for _ in range(3)]
        self.b2 = [0.6, -0.1, -0.5]

    def probs(self, x):
        z = [(x[i] - FEATURE_MEAN[i]) / FEATURE_STD[i] for i in range(12)]
        hid = [math.tanh(sum(w * v for w, v in zip(self.W1[j], z)) + self.b1[j]) for j in range(self.h)]
        lo = [sum(w * v for w, v in zip(self.W2[k], hid)) + self.b2[k] for k in range(3)]
        m = max(lo)
        e = [math.exp(v - m) for v in lo]
        s = sum(e)
        return [v / s for v in e]

    def grad_sign(self, x, cls):
        """sign of d p_cls / d x (numeric), in standardized units."""
        base = self.probs(x)[cls]
        out = []
        for i in range(12):
            xx = list(x)
            xx[i] += FEATURE_STD[i] * 1e-3
            d = self.probs(xx)[cls] - base
            out.append(1.0 if d > 0 else (-1.0 if d < 0 else 0.0))
        return out


def real_applicant(rng):
    age = min(85, max(18, int(rng.gauss(41, 12))))
    income = round(min(400000, max(8000, rng.lognormvariate(math.log(52000), 0.55))) / 100.0) * 100.0
    dti = round(min(1.2, max(0.0, rng.gauss(0.3, 0.15))), 2)
    lines = max(0, min(25, int(rng.gauss(7, 4))))
    delinq = 0 if rng.random() < 0.78 else min(8, int(rng.expovariate(0.8)) + 1)
    util = round(min(1.0, max(0.0, rng.betavariate(2, 3.5))), 3)
    emp = max(0, min(480, int(rng.expovariate(1 / 70.0)) if age > 22 else rng.randint(0, 36)))
    loan = round(min(50000, max(1000, rng.lognormvariate(math.log(11000), 0.6))) / 50.0) * 50.0
    term = float(rng.choice([12, 24, 36, 36, 36, 48, 60, 60]))
    mort = 1.0 if (age > 30 and rng.random() < 0.55) else 0.0
    region = float(rng.randrange(10))
    inq = float(min(10, int(rng.expovariate(0.6))))
    return [float(age), income, dti, float(lines), float(delinq), util, float(emp), loan, term, mort, region, inq]

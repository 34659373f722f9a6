"""Who and where callers are: countries, networks, user agents, sign-up records.

The address space is synthetic but shaped like the real one: residential ISPs
per country (addresses change every day or two, some IPv6), mobile carriers,
big cloud providers whose /16s host both honest backends and abusers, cheap
hosting /24s, a campus /16 and corporate NAT addresses. Honest services run on
the same clouds that campaigns rent, so "came from a datacenter" is not a verdict.
"""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass, field

# country -> (UTC offset in hours, main language, weight among sign-ups)
COUNTRIES = {
    "US": (-6, "en", 30), "GB": (0, "en", 6), "CA": (-5, "en", 4), "AU": (10, "en", 2), "IN": (5.5, "en", 8),
    "DE": (1, "de", 6), "AT": (1, "de", 1), "CH": (1, "de", 1), "FR": (1, "fr", 5), "BE": (1, "fr", 1),
    "ES": (1, "es", 3), "MX": (-6, "es", 3), "AR": (-3, "es", 2), "CO": (-5, "es", 1),
    "BR": (-3, "pt", 5), "PT": (0, "pt", 1), "CN": (8, "zh", 3), "SG": (8, "en", 2), "TW": (8, "zh", 1),
    "HK": (8, "zh", 1), "JP": (9, "ja", 4), "KR": (9, "en", 2), "RU": (3, "ru", 2), "KZ": (5, "ru", 1),
    "NL": (1, "en", 2), "PL": (1, "en", 2), "SE": (1, "en", 1), "NG": (1, "en", 1), "VN": (7, "en", 1),
}
COUNTRY_CODES = list(COUNTRIES)
COUNTRY_WEIGHTS = [COUNTRIES[c][2] for c in COUNTRY_CODES]

WEBMAIL = {
    "en": ["gmail.com", "outlook.com", "yahoo.com", "icloud.com", "hotmail.com", "proton.me", "aol.com"],
    "de": ["gmail.com", "gmx.de", "web.de", "t-online.de", "outlook.de", "posteo.de"],
    "fr": ["gmail.com", "orange.fr", "free.fr", "laposte.net", "hotmail.fr", "outlook.fr"],
    "es": ["gmail.com", "hotmail.com", "yahoo.es", "outlook.es", "prodigy.net.mx"],
    "pt": ["gmail.com", "hotmail.com", "uol.com.br", "bol.com.br", "sapo.pt", "outlook.com"],
    "zh": ["qq.com", "163.com", "126.com", "gmail.com", "foxmail.com", "sina.com"],
    "ja": ["gmail.com", "yahoo.co.jp", "icloud.com", "docomo.ne.jp", "outlook.jp"],
    "ru": ["yandex.ru", "mail.ru", "gmail.com", "rambler.ru", "bk.ru", "inbox.ru"],
}
ALL_WEBMAIL = sorted({d for ds in WEBMAIL.values() for d in ds})

_ORG_A = ["Blue", "North", "Bright", "Silver", "Open", "Quantum", "Red", "Green", "Clear", "Iron", "Nova",
          "Summit", "Atlas", "Pine", "River", "Lumen", "Cobalt", "Harbor", "Vertex", "Orbit", "Nordlicht",
          "Sol", "Kite", "Ember", "Maple", "Sakura", "Tundra", "Coral", "Delta", "Onyx"]
_ORG_B = ["Labs", "Analytics", "Systems", "Health", "Logistics", "Media", "Software", "Robotics", "Bank",
          "Insurance", "Studio", "Data", "Learning", "Legal", "Retail", "Games", "Energy", "Mobility",
          "Partners", "Works", "Cloud", "Bio", "Foods", "Travel"]
_ORG_SUFFIX = {"US": "Inc.", "GB": "Ltd", "DE": "GmbH", "AT": "GmbH", "CH": "AG", "FR": "SAS", "ES": "S.L.",
               "BR": "Ltda.", "JP": "株式会社", "CN": "有限公司", "RU": "ООО", "NL": "B.V.", "IN": "Pvt Ltd"}
_TLD = {"US": ".com", "GB": ".co.uk", "DE": ".de", "AT": ".at", "CH": ".ch", "FR": ".fr", "ES": ".es",
        "BR": ".com.br", "JP": ".co.jp", "CN": ".cn", "RU": ".ru", "NL": ".nl", "IN": ".in", "MX": ".mx"}

TIERS = ["free", "tier-1", "tier-2", "tier-3", "tier-4", "tier-5", "enterprise"]

# Client libraries and their release lines; versions are drawn so that many
# accounts share a common version, as they do in real traffic.
_UA_FAMILIES = [
    ("OpenAI/Python {}", ["1.{}.{}", (12, 58), (0, 3)], 34),
    ("OpenAI/NodeJS {}", ["4.{}.{}", (20, 77), (0, 2)], 14),
    ("AsyncOpenAI/Python {}", ["1.{}.{}", (20, 58), (0, 3)], 5),
    ("python-requests/{}", ["2.{}.{}", (25, 32), (0, 3)], 8),
    ("python-httpx/{}", ["0.{}.{}", (23, 28), (0, 2)], 4),
    ("curl/{}", ["{}.{}.0", (7, 8), (58, 88)], 5),
    ("axios/{}", ["1.{}.{}", (3, 8), (0, 4)], 4),
    ("Go-http-client/{}", ["{}.{}", (1, 2), (0, 1)], 3),
    ("okhttp/{}", ["4.{}.{}", (9, 12), (0, 3)], 2),
    ("langchain-openai/{} OpenAI/Python 1.40.0", ["0.{}.{}", (1, 3), (0, 20)], 5),
    ("llama-index/{}", ["0.{}.{}", (10, 12), (0, 40)], 2),
    ("PostmanRuntime/{}", ["7.{}.{}", (32, 42), (0, 3)], 1),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/{} Safari/537.36", ["{}.0.{}.0", (118, 131), (6000, 6800)], 4),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/{} Safari/605.1.15", ["17.{}.{}", (1, 6), (0, 1)], 2),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:{}) Gecko/20100101 Firefox/125.0", ["{}.{}", (115, 126), (0, 0)], 1),
]


def user_agent(rng: random.Random) -> str:
    fam = rng.choices(_UA_FAMILIES, weights=[f[2] for f in _UA_FAMILIES])[0]
    pattern, (lo1, hi1), (lo2, hi2) = fam[1]
    # Versions skew towards recent releases: max of two draws.
    v1 = max(rng.randint(lo1, hi1), rng.randint(lo1, hi1))
    v2 = rng.randint(lo2, hi2)
    return fam[0].format(pattern.format(v1, v2))


def custom_user_agent(rng: random.Random, product: str) -> str:
    """What an in-house service sends: its own name and version, often plus the SDK's."""
    base = f"{product}/{rng.randint(1, 4)}.{rng.randint(0, 19)}.{rng.randint(0, 9)}"
    return base if rng.random() < 0.5 else f"{base} {user_agent(rng)}"


def org_name(rng: random.Random, country: str) -> str:
    name = f"{rng.choice(_ORG_A)} {rng.choice(_ORG_B)}"
    suffix = _ORG_SUFFIX.get(country)
    return f"{name} {suffix}" if suffix and rng.random() < 0.7 else name


def org_domain(org: str, country: str, rng: random.Random) -> str:
    core = "".join(ch for ch in org.split(" ")[0] + org.split(" ")[1] if ch.isalnum()).lower() or "corp"
    tld = _TLD.get(country, ".com") if rng.random() < 0.6 else rng.choice([".com", ".io", ".ai", ".co"])
    return core + tld


def hex_id(rng: random.Random, n: int) -> str:
    return f"{rng.getrandbits(4 * n):0{n}x}"


@dataclass
class Prefix:
    """A block of addresses owned by one network operator."""

    net: ipaddress.IPv4Network | ipaddress.IPv6Network
    kind: str  # residential, mobile, cloud, hosting, campus, corporate
    country: str

    def address(self, rng: random.Random) -> str:
        size = self.net.num_addresses
        off = rng.randrange(1, size - 1) if size > 2 else 0
        return str(self.net.network_address + off)


@dataclass
class Internet:
    """The synthetic address plan of one simulation, drawn from the run's seed."""

    rng: random.Random
    residential: dict[str, list[Prefix]] = field(default_factory=dict)
    mobile: dict[str, list[Prefix]] = field(default_factory=dict)
    cloud: list[Prefix] = field(default_factory=list)
    hosting: list[Prefix] = field(default_factory=list)
    _used: set = field(default_factory=set)

    def __post_init__(self):
        for cc in COUNTRY_CODES:
            self.residential[cc] = [self._v4(16, "residential", cc) for _ in range(3)]
            if self.rng.random() < 0.5:
                self.residential[cc].append(self._v6("residential", cc))
            self.mobile[cc] = [self._v4(18, "mobile", cc)]
        # Three big clouds with many regions each, and many small hosters.
        for _ in range(24):
            self.cloud.append(self._v4(16, "cloud", self.rng.choice(["US", "DE", "IE", "SG", "JP", "BR"])))
        for _ in range(60):
            self.hosting.append(self._v4(24, "hosting", self.rng.choice(["NL", "DE", "US", "FR", "SG", "RU"])))

    def _v4(self, bits: int, kind: str, cc: str) -> Prefix:
        while True:
            first = self.rng.choice([i for i in range(11, 223) if i not in (100, 127, 169, 172, 192, 198, 203)])
            second = self.rng.randrange(256)
            third = self.rng.randrange(256) if bits > 16 else 0
            if (first, second) in self._used:
                continue
            self._used.add((first, second))
            net = ipaddress.ip_network(f"{first}.{second}.{third}.0/{bits}", strict=False)
            return Prefix(net, kind, cc)

    def _v6(self, kind: str, cc: str) -> Prefix:
        a, b = self.rng.choice([0x2a02, 0x2a01, 0x2001, 0x2600, 0x2804, 0x240e]), self.rng.randrange(0x10000)
        return Prefix(ipaddress.ip_network(f"{a:x}:{b:x}::/32"), kind, cc)

    def new_prefix(self, kind: str, cc: str, bits: int = 24) -> Prefix:
        return self._v4(bits, kind, cc)


class IpSource:
    """Where one caller's requests come from over time.

    ``mode``:
      * ``static``   a fixed handful of addresses (office NAT, a backend's egress);
      * ``dynamic``  one home address that the ISP changes every one to three days;
      * ``rotating`` a fresh address from a large pool on every request (proxy network);
      * ``session``  a fresh address per conversation from one block (campus Wi-Fi).
    """

    def __init__(self, mode: str, prefixes: list[Prefix], rng: random.Random, n_static: int = 1):
        self.mode = mode
        self.prefixes = prefixes
        self.rng = rng
        self.static = [rng.choice(prefixes).address(rng) for _ in range(max(1, n_static))]
        self._day = -1
        self._current = self.static[0]
        self._ttl = 0

    def ip(self, day: int, new_session: bool) -> str:
        if self.mode == "static":
            return self.static[0] if len(self.static) == 1 else self.rng.choice(self.static)
        if self.mode == "rotating":
            return self.rng.choice(self.prefixes).address(self.rng)
        if self.mode == "session":
            if new_session:
                self._current = self.rng.choice(self.prefixes).address(self.rng)
            return self._current
        # dynamic
        if day != self._day:
            if self._ttl <= 0:
                self._current = self.rng.choice(self.prefixes).address(self.rng)
                self._ttl = self.rng.randint(1, 3)
            self._ttl -= 1
            self._day = day
        return self._current


def home_source(internet: Internet, rng: random.Random, country: str) -> IpSource:
    """An individual: home broadband, sometimes a phone."""
    if rng.random() < 0.15:
        return IpSource("dynamic", internet.mobile[country], rng)
    return IpSource("dynamic", internet.residential[country], rng)


def backend_source(internet: Internet, rng: random.Random, n: int | None = None) -> IpSource:
    """A service in a cloud region: a few egress addresses in one or two /16s."""
    pre = rng.sample(internet.cloud, k=rng.choice([1, 1, 2]))
    return IpSource("static", pre, rng, n_static=n or rng.randint(1, 4))


@dataclass
class Account:
    """One row of accounts.jsonl plus what the simulator needs to drive it."""

    account_id: str
    created_ms: int
    email_domain: str
    payment_fingerprint: str
    declared_org: str | None
    country: str
    tier: str
    key_ids: list[str]

    def row(self, iso) -> dict:
        out = {"account_id": self.account_id, "created": iso(self.created_ms),
               "email_domain": self.email_domain, "payment_fingerprint": self.payment_fingerprint}
        if self.declared_org:
            out["declared_org"] = self.declared_org
        out["country"] = self.country
        out["tier"] = self.tier
        return out


def new_account(
    rng: random.Random, *, created_ms: int, country: str, email_domain: str, tier: str,
    org: str | None = None, payment: str | None = None, n_keys: int = 1,
) -> Account:
    return Account(
        account_id="acct_" + hex_id(rng, 20),
        created_ms=created_ms,
        email_domain=email_domain,
        payment_fingerprint=payment or new_payment(rng),
        declared_org=org,
        country=country,
        tier=tier,
        key_ids=["key_" + hex_id(rng, 16) for _ in range(max(1, n_keys))],
    )


def new_payment(rng: random.Random) -> str:
    return "pf_" + hex_id(rng, 24)


def tier_for_volume(rng: random.Random, daily: float) -> str:
    """Plans follow spend, loosely: heavy users are on higher tiers, with exceptions."""
    idx = 0 if daily < 2 else 1 if daily < 20 else 2 if daily < 150 else 3 if daily < 800 else 4
    idx = min(max(idx + rng.choice([-1, 0, 0, 0, 1]), 0), 5)
    return TIERS[idx]

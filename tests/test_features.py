"""Feature extraction for the end-user pass: what only linkage reads is skipped,
everything detectors read is the same."""

from __future__ import annotations

import pandas as pd

from antidistill.detect.sweep import CapabilitySweep
from antidistill.events import load_events
from antidistill.features import extract_features, open_engine
from antidistill.policy import load_policy

from eventfactory import DOMAIN_TOPICS, Traffic

FRAMES = ["Give a comprehensive expert overview of {} including key facts and figures.",
          "Write a detailed explanation of {} for a graduate student, with examples.",
          "Summarise the current state of research on {} in five bullet points."]


def _traffic() -> Traffic:
    t = Traffic(5)
    for k in range(3):  # accounts filling the same frames: templated, with pairs across accounts
        for i in range(30):
            t.chat(f"sweeper-{k}", t.rng.choice(FRAMES).format(f"{t.rng.choice(DOMAIN_TOPICS)} variant {i % 7}"),
                   user=f"u{i % 3}", ip=f"192.0.2.{k}")
    for i in range(40):
        t.chat("person", f"what should i cook tonight with {i} eggs")
    t.predict("thief", [0.1, 0.2], [0.7, 0.3])
    return t


def test_features_without_linkage_keep_what_detectors_read(tmp_path):
    events, _ = _traffic().write(tmp_path / "in")
    policy = load_policy(None)
    with open_engine("duckdb", lambda con: load_events(con, [events], bodies="predict"), workdir=tmp_path) as eng:
        full = extract_features(eng.events, eng.accounts, policy)
        judged = extract_features(eng.events, eng.accounts, policy, linkage=False)
    assert full.linkage and not judged.linkage
    for name in ("accounts", "samples", "evidence", "predict", "profile"):
        pd.testing.assert_frame_equal(getattr(judged, name), getattr(full, name))
    assert len(full.infra) and len(full.activity) and len(full.end_users)
    for name in ("infra", "activity", "end_users"):
        assert getattr(judged, name).empty
        assert list(getattr(judged, name).columns) == list(getattr(full, name).columns)

    # Without linkage the sweep finds the same templating, but no pairs
    # across accounts and no instruction lines (only linkage reads them).
    with_links = CapabilitySweep(jaccard_threshold=0.4).fit(full).templates_
    without = CapabilitySweep(jaccard_threshold=0.4).fit(judged).templates_
    assert with_links.templated_per_account and with_links.shared_pairs
    assert without.templated_per_account == with_links.templated_per_account
    assert without.requests_of_account == with_links.requests_of_account
    assert without.shared_pairs == {} and without.instructions == {}


def test_rules_match_each_text_of_their_field_and_shortcuts_change_no_flag(tmp_path):
    """A rule matches when one of the texts its field reads matches on its own
    (``prompt_and_system``: the prompt or the system prompt, never the two run
    together). ``annotate`` matches system prompts once each, a prompt rule
    whose patterns belong to a wider rule only where that one matched, and
    domains only where some domain matched: the flags are those of every
    rule and domain evaluated on every text of every event."""
    import ibis

    from antidistill.features.pipeline import _domain_regex, annotate

    policy = load_policy(None)
    wide = ["show your work$", "think aloud", r"\bfoo\b"]
    rules = {
        "wide": policy.rules["reasoning-elicitation"].model_copy(update={"patterns": wide}),
        "narrow": policy.rules["reasoning-in-prompt"].model_copy(update={"patterns": wide[:2]}),
        "same": policy.rules["reasoning-in-prompt"].model_copy(update={"patterns": list(reversed(wide))}),
        "other": policy.rules["reasoning-in-prompt"].model_copy(update={"patterns": ["foo$"]}),
        "across": policy.rules["reasoning-elicitation"].model_copy(update={"patterns": [r"cooking\s+think"]}),
        "system": policy.rules["reasoning-elicitation"].model_copy(update={"field": "system_prompt", "patterns": ["^think"]}),
    }
    policy = policy.model_copy(update={"rules": rules})
    t = Traffic(9)
    cases = [("Please SHOW YOUR WORK", "be brief"),
             ("please show your work", None), ("think aloud about law", "you are a tutor"),
             ("a plain question about cooking", "Think aloud"), ("foo", "a history tutor"),
             ("nothing", None), ("an equation for the stock market", None), ("show your work", "think aloud")]
    for prompt, system in cases:
        t.chat("acct", prompt, system=system)
    events, _ = t.write(tmp_path / "in")
    with open_engine("duckdb", lambda con: load_events(con, [events]), workdir=tmp_path) as eng:
        got = eng.materialize(annotate(eng.events, policy))[0].order_by("request_id").to_pandas()
        ev = eng.events
        text = {part: ev[part].fill_null("").lower() for part in ("prompt", "system_prompt")}

        def any_text(parts, regex):
            return ibis.or_(*(text[p].re_search(regex) for p in parts)).cast("int64")

        expected = ev.select("request_id", **{
            f"rule_{name}": any_text(rule.parts, rule.regex()) for name, rule in rules.items()
        }, **{
            f"dom_{name}": any_text(text, _domain_regex(words)) for name, words in policy.domains.items()
        }, joined=(text["prompt"] + " \n " + text["system_prompt"]).re_search(rules["across"].regex())).order_by("request_id").to_pandas()
    assert got["rule_narrow"].tolist() == [1, 1, 1, 0, 0, 0, 0, 1]
    assert got["rule_wide"].tolist() == [1, 1, 1, 1, 1, 0, 0, 1]
    assert got["rule_same"].tolist() == [1, 1, 1, 0, 1, 0, 0, 1]  # the wide rule's patterns, on the prompt
    assert got["rule_system"].tolist() == [0, 0, 0, 1, 0, 0, 0, 1]
    # The prompt and system prompt of the fourth run together would match.
    assert got["rule_across"].tolist() == [0] * len(cases) and expected["joined"].tolist()[3]
    assert set(got["dom_law"]) == {0, 1}
    pd.testing.assert_frame_equal(got[expected.columns.drop("joined")], expected.drop(columns="joined"))
    assert got["dom_any"].tolist() == expected.filter(like="dom_").max(axis=1).tolist()
    assert ibis.options.sql.fuse_selects, "materialize restores Ibis's option"


def test_duckdb_engines_return_freed_memory_as_they_go(tmp_path):
    # The scan drops its event tables before scoring in Python; DuckDB's
    # allocator hands what they held back only with its background threads on.
    from antidistill.features.engine import open_store_engine

    events, _ = _traffic().write(tmp_path / "in")
    with open_engine("duckdb", lambda con: load_events(con, [events]), workdir=tmp_path) as eng:
        assert eng.backend.con.execute("SELECT current_setting('allocator_background_threads')").fetchone()[0]
        eng.backend.con.execute(f"ATTACH '{tmp_path / 'store.duckdb'}' AS store")
        eng.backend.con.execute("CREATE TABLE store.events AS SELECT * FROM events")
        eng.backend.con.execute("CREATE TABLE store.accounts AS SELECT * FROM accounts")
        eng.backend.con.execute("DETACH store")
    with open_store_engine("duckdb", tmp_path / "store.duckdb") as eng:
        assert eng.backend.con.execute("SELECT current_setting('allocator_background_threads')").fetchone()[0]

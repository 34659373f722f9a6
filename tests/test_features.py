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

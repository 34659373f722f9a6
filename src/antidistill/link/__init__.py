"""Linkage: which accounts one actor runs.

Owns the account graph (edges from shared payment instruments, networks,
user agents, e-mail domains, sign-up waves, system prompts, prompt templates
and synchronised activity) and its community detection into candidate
campaigns. It judges nothing: whether a group is a campaign is decided by the
evidence its members carry (see :mod:`antidistill.respond`).
"""

from antidistill.link.graph import AccountGraph, build_graph, communities

__all__ = ["AccountGraph", "build_graph", "communities"]

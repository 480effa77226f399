"""Declarative state transitions shared by the apps that run a workflow (hazards, tips)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """What a transition needs: the states it starts from, where it goes, who may do it."""

    label: str
    sources: tuple
    target: str | None
    roles: frozenset

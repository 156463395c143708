"""The kinds of case notices: the contract between the portal that writes them and the
notifier that reads them (imported by both, so they cannot drift apart)."""

from __future__ import annotations

KINDS = (
    "correction",
    "department_done",
    "department_rejected",
    "completed",
    "partly_completed",
    "rejected",
    "overdue",
    "deferred_due",
    "round_open",
)

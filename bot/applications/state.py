"""Where a citizen is in filling an application, kept in one Rasa slot between turns.

The field values themselves live in the portal's draft (so "我回头再办" loses nothing and a
new conversation can continue it); the slot holds only the conversation's position: which
draft, which question was asked, how many tries failed, what was skipped, and the 容缺
commitment being prepared.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SLOT = "application"
ACTIVE = "application_active"
ANSWER = "form_answer"
FORM = "application_form"

CONSENT = "consent"
REVIEW = "review"
EDIT = "edit"
DEFER_PICK = "defer_pick"
DEFER_DATE = "defer_date"
SIGN = "sign"
"""The commitments are shown and a code was sent: the citizen's code signs them and submits."""
PAUSE = "pause"
FIELD_PREFIX = "field:"
FIX_PREFIX = "fix:"
UPLOAD_PREFIX = "upload:"
"""An upload step: the material after the prefix is asked for as a photo or PDF."""

SUBMIT = "submit"
PAUSED = "paused"
"""What `form_answer` holds when the form ends: submit now, or keep the draft for later."""


@dataclass
class ApplicationState:
    code: str
    number: str | None = None
    step: str | None = None
    retries: int = 0
    skipped: list[str] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)
    due_date: str | None = None
    resume_step: str | None = None
    outcome: str | None = None
    consent_given: bool = False
    """Pre-fill consent given on the start button, kept across an identity binding."""
    signing_id: str | None = None
    """The portal's signing request whose code the citizen is asked for."""
    signing_offered: bool = False
    """The summary came with the commitments and a code once: later summaries do not send
    another code unasked."""

    @classmethod
    def from_slot(cls, value: Any) -> ApplicationState | None:
        if not isinstance(value, dict) or not isinstance(value.get("code"), str):
            return None
        known = {k: v for k, v in value.items() if k in cls.__dataclass_fields__}
        try:
            return cls(**known)
        except TypeError:
            return None

    def to_slot(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def material(self) -> str | None:
        """The material an upload step asks for."""
        if self.step and self.step.startswith(UPLOAD_PREFIX):
            return self.step[len(UPLOAD_PREFIX) :]
        return None

    @property
    def field_name(self) -> str | None:
        """The field the last question asked for (a question or a correction)."""
        for prefix in (FIELD_PREFIX, FIX_PREFIX):
            if self.step and self.step.startswith(prefix):
                return self.step[len(prefix) :]
        return None

    def go(self, step: str | None) -> ApplicationState:
        if step != self.step:
            self.retries = 0
        self.step = step
        return self

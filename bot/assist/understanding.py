"""What a caller's words come to, for the agent: the 一件事, how sure the NLU is, a need outside
the 13 (and where it is done), and the item's checklist.

The reading is the chat's own: the NLU's `need_<code>` intents (bot/catalogue.py), the needs
the assistant knows are done elsewhere (bot/scope.py), the materials of the item's form with
the words the chat's summary uses for them (bot/applications). A caller's later question that
names no item ("要带什么材料") keeps the item recognised before, as a chat's context does.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.applications.form import consent_labels, get_form
from bot.applications.words import material_status, shown
from bot.catalogue import ServiceItem, code_for_intent, get_item
from bot.scope import elsewhere_reply, outside_need

LIKELY_NEED = 0.2
"""A `need_…` intent anywhere in the ranking at this confidence names the item, as in the chat:
"孩子出生了，社保卡也要办吗" ranks a question first and the need second."""


@dataclass(frozen=True)
class Recognised:
    item: ServiceItem | None
    intent: str | None
    confidence: float
    from_context: bool = False
    """No item in these words: the one recognised earlier in the call is kept."""
    elsewhere: str | None = None
    """A need outside the 13, with where it is done."""

    def as_json(self) -> dict:
        return {
            "item": item_facts(self.item) if self.item else None,
            "intent": self.intent,
            "confidence": round(self.confidence, 3),
            "from_context": self.from_context,
            "elsewhere": self.elsewhere,
        }


def recognise(parse: dict, text: str, context: str | None = None) -> Recognised:
    """The item in the NLU's reading of `text`; else the call's `context` item."""
    top = parse.get("intent") or {}
    intent, confidence = top.get("name"), float(top.get("confidence") or 0.0)
    outside = outside_need(text)
    if outside is not None:
        return Recognised(None, intent, confidence, elsewhere=elsewhere_reply(outside).text)
    for entry in parse.get("intent_ranking") or [top]:
        code = code_for_intent(entry.get("name"))
        if code and float(entry.get("confidence") or 0.0) >= LIKELY_NEED and get_item(code):
            return Recognised(get_item(code), entry.get("name"), float(entry.get("confidence") or 0.0))
    context_item = get_item(context) if context else None
    return Recognised(context_item, intent, confidence, from_context=context_item is not None)


def item_facts(item: ServiceItem) -> dict:
    """What an agent tells a caller about the item at a glance."""
    return {
        "code": item.code,
        "title": item.title,
        "lead_department": item.lead_department,
        "time_limit_days": item.time_limit_days,
        "fee": item.fee or "不收费",
        "services": list(item.integrated_services),
        "needs_enterprise": get_form(item.code).subjects == ("enterprise",),
    }


def checklist(code: str) -> list[dict]:
    """The item's materials for an application online, each as the chat's summary words it,
    with the condition under which it is needed."""
    form = get_form(code)
    rows = []
    for material in form.materials:
        if not material.online:
            continue
        when = None
        if material.when:
            field, values = material.when
            spec = form.field(field)
            said = [shown(spec, value == "True") if spec and spec.kind == "bool" else value for value in values]
            when = f"{spec.label if spec else field}为“{'、'.join(said)}”时"
        rows.append({"name": material.name, "how": material_status(material, []), "when": when})
    return rows


def consent_to_read(code: str, subject_type: str) -> list[str]:
    """The data the pre-fill would take from the registers: what the agent reads out to ask
    the caller's consent, exactly as the chat's consent question names it."""
    return consent_labels(get_form(code), subject_type)

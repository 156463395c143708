"""Reading a form answer out of what a citizen typed: "大概80平", "上个月三号", "随父亲吧".

The forms ask one field per turn and citizens answer the way they talk, not the way a web
form wants. Each kind of field has one reader here that returns either the value to store, in
the shape the portal expects, or a short polite reason the bot can say back: a bad answer
costs the citizen one retry, never a wrong value in the application. Pure Python (no Rasa)
so the action server, the console and the tests share it.

Input is already normalised by `bot.language.text.normalize` (simplified, half-width digits).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime

from bot.applications.parsing.address import parse_address
from bot.applications.parsing.choices import parse_bool, parse_choice, parse_choices
from bot.applications.parsing.common import TIMEZONE, Field, Parsed, chinese_number, problem
from bot.applications.parsing.dates import parse_date
from bot.applications.parsing.identifiers import parse_id_number, parse_phone, parse_uscc
from bot.applications.parsing.numbers import parse_int
from bot.applications.parsing.text import parse_name, parse_text, read_name

__all__ = ["KINDS", "Parsed", "chinese_number", "parse_answer", "read_name"]

_READERS: dict[str, Callable[[str, Field], Parsed]] = {
    "text": parse_text,
    "name": parse_name,
    "id_number": parse_id_number,
    "uscc": parse_uscc,
    "phone": parse_phone,
    "date": parse_date,
    "int": parse_int,
    "bool": parse_bool,
    "choice": parse_choice,
    "choices": parse_choices,
    "address": parse_address,
}
KINDS: tuple[str, ...] = tuple(_READERS)


def parse_answer(
    kind: str,
    text: str,
    *,
    choices: Sequence[str] = (),
    today: date | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
    label: str = "",
) -> Parsed:
    """The value of a `kind` field in `text`, or why it could not be read.

    An unknown kind, or a choice field without choices, is a bug in the form definition and
    raises ValueError rather than asking the citizen something they cannot answer.
    """
    reader = _READERS.get(kind)
    if reader is None:
        raise ValueError(f"unknown field kind {kind!r}; expected one of {sorted(_READERS)}")
    if kind in ("choice", "choices") and not choices:
        raise ValueError(f"a {kind!r} field needs choices")
    field = Field(tuple(choices), today or datetime.now(TIMEZONE).date(), minimum, maximum, label)
    text = (text or "").strip()
    if not text:
        return problem(f"您好像还没有填写{field.called('内容')}，请重新输入。")
    return reader(text, field)

"""Social security cards: 挂失 and 解挂 as the guide describes them (knowledge/social_security_card.md).

临时挂失 takes effect at once and freezes the card's social-security and financial functions for
five natural days; without a 正式挂失 within them it lifts by itself. 正式挂失 is for good and
cannot be undone: a new card is applied for (补领). 解挂 lifts a 临时挂失 when the card turns up.
Only the cardholder acts on their card: a company's login cannot.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.dates import CHINA
from portal.db import Database, utcnow
from portal.errors import ApiError
from portal.identity import Subject, aware
from portal.models import CITIZEN, Citizen, SocialSecurityCard
from portal.schemas import CardOut

log = logging.getLogger("portal.cards")

TEMPORARY_DAYS = 5
NORMAL, TEMPORARY, FORMAL = "正常", "临时挂失", "正式挂失"


def _card(session: Session, subject: Subject) -> SocialSecurityCard:
    """The cardholder's card; the register's entry is made on first use for the sandbox's people."""
    if subject.type != CITIZEN:
        raise ApiError(403, "cardholder_only", "社保卡挂失、解挂须由持卡人本人核验身份后办理。")
    card = session.scalar(
        select(SocialSecurityCard).where(SocialSecurityCard.citizen_id == subject.id).with_for_update()
    )
    if card is None:
        person = session.get_one(Citizen, subject.id)
        digits = int(hashlib.sha256(f"card|{person.id_number}".encode()).hexdigest(), 16) % 10**8
        card = SocialSecurityCard(citizen_id=subject.id, card_no=f"A{digits:08d}", status=NORMAL, changed_at=utcnow())
        session.add(card)
        session.flush()
    if card.status == TEMPORARY and card.temporary_until and card.temporary_until <= utcnow():
        card.status, card.temporary_until, card.changed_at = NORMAL, None, utcnow()  # lifted by itself
    return card


def _until(value: datetime) -> str:
    local = aware(value).astimezone(CHINA)
    return f"{local.month}月{local.day}日{local.hour:02d}:{local.minute:02d}"


def _out(card: SocialSecurityCard, message: str) -> CardOut:
    return CardOut(
        card_no_masked=f"尾号{card.card_no[-4:]}",
        status=card.status,  # type: ignore[arg-type]
        temporary_until=aware(card.temporary_until) if card.temporary_until else None,
        message=message,
    )


def _state(card: SocialSecurityCard) -> str:
    if card.status == TEMPORARY and card.temporary_until:
        return (
            f"您的社保卡（尾号{card.card_no[-4:]}）已临时挂失，社保和金融功能都已冻结，"
            f"到{_until(card.temporary_until)}前有效；期间未正式挂失的，会自动解除。"
        )
    if card.status == FORMAL:
        return f"您的社保卡（尾号{card.card_no[-4:]}）已正式挂失，不能再使用，也不能解除；请申请补领新卡。"
    return f"您的社保卡（尾号{card.card_no[-4:]}）状态正常，可以使用。"


def get_card(db: Database, subject: Subject) -> CardOut:
    with db.transaction() as session:
        card = _card(session, subject)
        return _out(card, _state(card))


def report_loss(db: Database, subject: Subject, kind: str) -> CardOut:
    """临时挂失 (again: the five days start anew) or 正式挂失; a formally lost card stays so."""
    now = utcnow()
    with db.transaction() as session:
        card = _card(session, subject)
        if card.status == FORMAL:
            return _out(card, _state(card))
        if kind == "temporary":
            card.status, card.temporary_until = TEMPORARY, now + timedelta(days=TEMPORARY_DAYS)
        else:
            card.status, card.temporary_until = FORMAL, None
        card.changed_at = now
        log.info("社保卡%s（持卡人 %s）", card.status, subject.id)
        return _out(card, _state(card))


def recover(db: Database, subject: Subject) -> CardOut:
    """解挂: the card turned up within the five days of a 临时挂失."""
    with db.transaction() as session:
        card = _card(session, subject)
        if card.status == FORMAL:
            raise ApiError(409, "formally_lost", "正式挂失的社保卡不能解除挂失，请申请补领新卡。")
        if card.status == TEMPORARY:
            card.status, card.temporary_until, card.changed_at = NORMAL, None, utcnow()
            log.info("社保卡解除挂失（持卡人 %s）", subject.id)
        return _out(card, _state(card))

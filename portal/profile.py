"""What the portal may release for pre-fill, field by field, and how each field is built.

PIPL asks for consent per purpose and per item of personal information, so the unit of
consent is a field of bot.applications.form.PROFILE_FIELDS; nothing else is ever released.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.applications.form import PROFILE_FIELDS
from portal.models import CITIZEN, Citizen, Enterprise

CITIZEN_FIELDS = PROFILE_FIELDS["citizen"]
ENTERPRISE_FIELDS = PROFILE_FIELDS["enterprise"]


def fields_for(subject_type: str) -> dict[str, str]:
    return CITIZEN_FIELDS if subject_type == CITIZEN else ENTERPRISE_FIELDS


def _person_brief(person: Citizen | None) -> dict | None:
    if person is None:
        return None
    return {"name": person.name, "id_number": person.id_number, "phone": person.phone}


def citizen_profile(session: Session, citizen: Citizen) -> dict:
    """Every releasable field of a citizen; callers filter by consent before anything leaves."""
    children = (
        session.query(Citizen)
        .filter((Citizen.father_id == citizen.id) | (Citizen.mother_id == citizen.id))
        .order_by(Citizen.birth_date)
        .all()
    )
    fund = citizen.housing_fund
    return {
        "name": citizen.name,
        "id_number": citizen.id_number,
        "gender": citizen.gender,
        "birth_date": citizen.birth_date.isoformat(),
        "phone": citizen.phone,
        "district": citizen.district,
        "address": citizen.address,
        "marital_status": citizen.marital_status,
        "spouse": _person_brief(citizen.spouse),
        "children": [
            {
                "name": child.name,
                "id_number": child.id_number,
                "gender": child.gender,
                "birth_date": child.birth_date.isoformat(),
                "birth_certificate_no": child.birth_certificate_no,
            }
            for child in children
        ],
        "employer": ({"name": citizen.employer.name, "uscc": citizen.employer.uscc} if citizen.employer else None),
        "social_insurance": [
            {
                "scheme": record.scheme,
                "status": record.status,
                "since": record.since.isoformat(),
                "contribution_months": record.contribution_months,
                "payer": record.payer,
            }
            for record in citizen.insurance
        ],
        "housing_fund": (
            {
                "account_no": fund.account_no,
                "status": fund.status,
                "balance": float(fund.balance),
                "monthly_deposit": float(fund.monthly_deposit),
                "since": fund.since.isoformat(),
            }
            if fund
            else None
        ),
        "disability_certificate": citizen.disability_certificate,
        "statutory_retirement_date": (
            citizen.statutory_retirement_date.isoformat() if citizen.statutory_retirement_date else None
        ),
    }


def enterprise_profile(enterprise: Enterprise) -> dict:
    """Every releasable field of an enterprise; callers filter by consent."""
    return {
        "name": enterprise.name,
        "uscc": enterprise.uscc,
        "legal_representative": _person_brief(enterprise.legal_rep),
        "enterprise_type": enterprise.enterprise_type,
        "address": enterprise.address,
        "district": enterprise.district,
        "business_scope": enterprise.business_scope,
        "registered_capital": float(enterprise.registered_capital),
        "established_on": enterprise.established_on.isoformat(),
        "status": enterprise.status,
        "penalties": [
            {
                "decision_no": p.decision_no,
                "authority": p.authority,
                "decided_on": p.decided_on.isoformat(),
                "reason": p.reason,
                "fine": float(p.fine),
                "fulfilled": p.fulfilled,
                "severity": p.severity,
            }
            for p in enterprise.penalties
        ],
        "bankruptcy": enterprise.bankruptcy,
        "tax_status": {"arrears": float(enterprise.tax_arrears), "clear": float(enterprise.tax_arrears) == 0},
    }


def subject_profile(session: Session, subject_type: str, subject_id: int) -> dict:
    if subject_type == CITIZEN:
        return citizen_profile(session, session.get_one(Citizen, subject_id))
    return enterprise_profile(session.get_one(Enterprise, subject_id))


def display_name(session: Session, subject_type: str, subject_id: int) -> str:
    """The bound identity's name, for the holder's own eyes only (never logged)."""
    model = Citizen if subject_type == CITIZEN else Enterprise
    return session.get_one(model, subject_id).name

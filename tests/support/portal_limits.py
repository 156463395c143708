"""Binding and draft limits loose enough for suites that bind the same demo people many times a minute.

The limits themselves are tested against a portal with the defaults (tests/portal/test_abuse_limits.py).
"""

RELAXED = {
    "BANSHI_PORTAL_BINDINGS_PER_ID_PER_HOUR": "100000",
    "BANSHI_PORTAL_BINDINGS_PER_CLIENT": "100000",
    "BANSHI_PORTAL_SMS_COOLDOWN_SECONDS": "0",
    "BANSHI_PORTAL_SMS_PER_PHONE_PER_DAY": "100000",
    "BANSHI_PORTAL_WRONG_CODES_PER_ID_PER_DAY": "100000",
    "BANSHI_PORTAL_DRAFTS_PER_DAY": "100000",
    # the e2e tests log many staff accounts in from one address within a minute
    "BANSHI_STAFF_LOGINS_PER_MINUTE": "100000",
}

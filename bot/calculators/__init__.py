"""Answers that depend on the citizen, computed from the rule in the guide — never paraphrased
from the guide's nearest example: retirement age (retirement), school-entry year (school_entry),
lunar dates (lunar). Working days are in bot/working_days.py. Each has table-driven tests from
the rules as the guides state them.
"""

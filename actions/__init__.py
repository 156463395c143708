"""Custom actions: a thin rasa-sdk layer over `bot/`, split by topic.

The action server imports every module listed here (`python -m rasa_sdk --actions actions`).
"""

from actions import application, fallback, handoff, identity, knowledge, menu, services, status  # noqa: F401

"""Custom actions: a thin rasa-sdk layer over `bot/`, split by topic.

The action server (`python -m actions`, rasa-sdk behind the shared secret) imports every module listed here.
"""

from actions import (  # noqa: F401
    application,
    fallback,
    handoff,
    identity,
    knowledge,
    menu,
    ratings,
    services,
    status,
    tickets,
    unclear,
)

"""Per-turn work Rasa 3.6 repeats for nothing, done once instead (issue 17, measured first).

`bench_load.py --profile` with py-spy on the Rasa server showed a fifth of its CPU in
`RemoteAction._validate_action_result`: every custom action's answer is checked with
`jsonschema.validate`, which first checks the *schema* against its metaschema and builds a
validator, on every call. The schema is a constant, so the check and the validator are made
once here; answers are validated exactly as before (the same draft, the same best-match error
with Rasa's hint appended), only without rebuilding the validator each time.

Installed by `bot/ops/rasa_server.py` before Rasa starts; nothing else changes.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _action_result_validator() -> Any:  # noqa: ANN401 - a jsonschema validator of the schema's draft
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(_action: Any, result: dict[str, Any]) -> bool:  # noqa: ANN401
    """`RemoteAction._validate_action_result` with one validator for the process."""
    from jsonschema.exceptions import best_match
    from rasa.core.actions.action import DOCS_BASE_URL

    error = best_match(_action_result_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def install() -> None:
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = validate_action_result

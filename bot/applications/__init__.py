"""Applying for a 一件事 in the chat, one question per turn.

`form` reads an item's form (`forms/<code>.yml`: fields, pre-fill paths, materials), `flow`
decides the next question from it and the answers so far, `parsing` turns a typed answer into a
field's value, `state` keeps the draft in the Rasa slots, and `words` holds every sentence the
citizen reads. The dialogue is the same for all 13 items; what differs lives in the form files.

How to add a new 一件事 (the tests named in brackets fail until the step is done):
1. Its guide, `knowledge/<code>.md`, with the front matter the others have (`code`, `title`,
   `audience` 个人/企业, `lead_department`, `cooperating_departments`, `integrated_services`,
   `legal_time_limit_days`, `fee`, `channels`, `updated`).
2. `<code>` in `SERVICE_CODES`, `bot/catalogue.py` (the menu's order).
3. `domain.yml`: the intent `need_<code>`, a value of the slot `service_item` with its
   `from_intent` mapping (conditioned on `active_loop: null`, like the others: a need read in
   the middle of a form never changes the item); `data/rules/services.yml`: the intent in the
   `or:` of the confirmation rule [tests/unit/test_house_rules.py].
4. At least 30 varied training examples in `data/nlu/services.yml` (colloquial, indirect,
   jargon, typos, traditional characters, a long message) and a few held-out ones in
   `eval/nlu_heldout.yml` that are not in the training data [tests/unit/test_training_data.py].
5. Its form, `forms/<code>.yml`: fields with `kind`, `question`, `why`, `example`, `aliases`, a
   pre-fill path, optional `when:` and `takes_changes:` (for a field whose answers read like
   corrections, such as 变更后内容), `choice_words:` (everyday words for a choice: "爸爸" →
   随父); materials with `shared` / `deferrable`
   [tests/unit/test_application_forms.py].
6. A happy path in `tests/application_scenarios.yml`, then `make stories` (the test stories)
   [tests/unit/test_house_rules.py] and `make golden` (its reviewed transcript; read it).
7. Seed data in the sandbox portal (`portal/seed.py`) for the pre-fill paths to find (its
   catalogue reads the guides); `make lexicon` for the new names jieba must keep whole; then
   `make test` and `make eval-nlu`.

The menu, the confirmation text and the fallback's candidate buttons all read the catalogue, so
nothing else changes.
"""

"""Agent assist for hotline calls: the same brain as the chat, on the agent's screen.

An agent types or pastes what the caller says; the staff web app shows the 一件事 the NLU
recognises (bot/assist/understanding.py), the knowledge base's answers with their source (the
inbox's suggestions) and the item's checklist. For the caller, the agent can start a pre-filled
draft and send them a link to finish it themselves. How it is kept safe:

- **Its own namespace.** A call is `assist:<agent>:<random>` (bot/assist/calls.py): the caller's
  words go to the NLU alone (`/model/parse`), never into a conversation, so no tracker, no
  handoff request and no case notice is ever kept under it, and no citizen's sender id is used.
- **Nothing for a case without the caller's identity check** (bot/assist/flow.py): the agent
  enters the caller's name and ID number (checked here: check digit, date of birth), the portal
  texts a code to the phone the government holds, the caller reads it out, the agent enters it.
  Only then can a draft be started or a link sent, and only within BANSHI_FRESH_LOGIN_MINUTES
  of that check, as for submitting in the chat. Attempts are limited per call (and by the
  portal per binding and per ID number). The caller's portal token stays in the console's
  memory for the call only: never written, revoked when the call ends or idles out.
- **The link gives no identity** (bot/assist/links.py): texted to the phone on record by the
  portal's own template, or sent to the caller's WeChat when they bound it in the official
  account, it carries only the item and a random id, signed (HS256, an audience of its own),
  valid for BANSHI_ASSIST_LINK_HOURS and openable once. Opening it (a button press on the page,
  so a link preview cannot use it up) starts a fresh web chat whose sender is derived from the
  link's id, so the conversation itself records that the link was used, durably and in every
  process. The chat knows only which item to continue: the caller verifies themself there
  (name, ID number, a new SMS code) before the application flow finds the draft — which the
  portal shows only to its owner. A leaked link lets nobody see or touch anything.
- **Every act is audited** (assist_call, assist_understand, assist_verify, assist_draft,
  assist_link, assist_end) with masked details only: an ID number's region and last four, a
  masked name, the application number.
"""

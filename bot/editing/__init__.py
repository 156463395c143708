"""The editors' workbench as a library: revisions and their review, documents and their
history, hit testing, the unanswered queue and the bot's own wording. The console's staff app
(`console/knowledge.py`) is a thin layer of routes over it."""

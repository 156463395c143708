"""The staff of the assistant — hotline agents, supervisors, content editors, reviewers and
administrators: accounts with roles, sessions, and the audit log of what they do. The staff
web app is served by the console (console/staff.py); `python -m bot staff` manages accounts
from the command line (the first administrator)."""

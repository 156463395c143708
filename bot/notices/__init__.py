"""Telling citizens about their cases: the portal's notices received (webhook and poll), and
delivered on the channel each person uses (WeChat subscribe messages after an opt-in, the web
widget on the next visit or while it is open)."""

"""Rasa input channels (WeChat official account, mini-program). They only translate protocols.

The web chat page uses Rasa's built-in socket.io channel; the REST channel serves tests.
"""

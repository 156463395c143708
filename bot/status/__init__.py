"""Where a citizen's applications stand: checking, urging (催办), unbinding (`check`) and the
words of it (`words`).
"""

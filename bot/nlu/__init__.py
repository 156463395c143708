"""Rasa NLU components (the Rasa runtime, Python 3.10, only): normaliser, tokenizer, e5 sentence
features and the linear intent classifier, registered in `config.yml` by their module paths.
Nothing in the services (Python 3.11) imports this package.
"""

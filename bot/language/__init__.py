"""Chinese text shared by both runtimes: normalisation (繁→简, full-width, noise), the domain
lexicon and jieba's dictionary built from it. Standard library and small pure-Python
dependencies only, so the Rasa runtime imports it too.
"""

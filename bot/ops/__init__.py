"""Running the assistant rather than being it: `make run`'s launcher, the commands of each
server (shared with the end-to-end tests), the Rasa model cache and the setup-time build of the
embedding model. Nothing here is imported while a citizen is served.
"""

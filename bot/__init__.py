"""banshi (办事): the library behind the assistant.

Modules here hold the knowledge of the domain (service catalogue, validators, Chinese text
handling, privacy masking, storage). `actions/` and `channels/` are thin layers over them.
Importing this package must stay cheap and free of heavy dependencies: the Rasa runtime
(Python 3.10) imports `bot.language.text` and `bot.nlu` from it too.
"""

"""jieba for the NLU pipeline, without the whitespace tokens it emits on mixed text.

`CleanJiebaTokenizer` is Rasa's JiebaTokenizer without the `' '` tokens it emits on mixed
Chinese/English text (unfixed upstream): those tokens break entity alignment and add noise
to the dense features. Its dictionary is `bot/language/jieba_dict` (config.yml).
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class CleanJiebaTokenizer(JiebaTokenizer):
    """JiebaTokenizer minus whitespace tokens."""

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        return [t for t in super().tokenize(message, attribute) if t.text.strip()]

"""The WeChat channel's own words to citizens, kept together so they can be reviewed at once.

Everything else the user reads comes from the dialogue (domain.yml, bot/words.py); these
cover only what the channel answers without asking Rasa: messages it cannot read, and a
failure of the dialogue itself.
"""

from __future__ import annotations

from bot.settings import settings

UNSUPPORTED_MESSAGE = (
    "抱歉，我目前只能看懂文字、语音和图片（办事材料的照片），暂时无法识别视频、位置或链接。"
    "请直接用文字或语音告诉我您要办什么事，比如“孩子出生了要办什么”。"
)
IMAGES_NOT_RECEIVED = "抱歉，刚才的图片没能从微信取到，请重新发送一次。"
SOME_IMAGES_NOT_RECEIVED = "有{count}张图片没能从微信取到，请稍后把它们重新发送一次。"
IMAGE_TOO_LARGE = "有图片超过{limit}MB，请压缩或拍得小一些再发送。"
VOICE_NOT_RECOGNISED = "抱歉，这条语音我没能听清楚。麻烦您再说一遍，或者直接发文字给我。"
EMPTY_MESSAGE = "您好，请问有什么可以帮您？可以直接告诉我您要办什么事，或发送“你好”查看服务菜单。"
DIALOGUE_FAILED = f"抱歉，系统刚才开了个小差，没能处理您的消息。请稍后再试，或拨打{settings.hotline}政务服务便民热线。"
OPTIONS_HINT = "回复数字选择："
IMAGE_LABEL = "图片"

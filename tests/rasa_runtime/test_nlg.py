"""Rasa's responses with the editors' wording (bot/nlg.py), in the Rasa runtime: the endpoints
the launcher writes make Rasa build our generator; it says a published edit of an editable
reply on every channel, keeping the variation's buttons and filling slots, and otherwise — no
edit, a reply that is not editable, a database it cannot read — says what domain.yml says."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.core.agent import Agent
from rasa.core.nlg import NaturalLanguageGenerator, TemplatedNaturalLanguageGenerator
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, text

from bot import wording
from bot.nlg import EditedWordingNLG
from bot.ops.processes import write_endpoints
from bot.settings import settings

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.load(str(ROOT / "domain.yml"))
GOODBYES = {variation["text"] for variation in DOMAIN.responses["utter_goodbye"]}
BOT_WORDING = """CREATE TABLE bot_wording (
    key VARCHAR(64) PRIMARY KEY, text TEXT NOT NULL, version INTEGER NOT NULL,
    published_at DATETIME NOT NULL, published_by VARCHAR(32) NOT NULL, revision_id INTEGER)"""
"""The table of migration 0006, which the services' runtime applies (the Rasa runtime cannot run it)."""


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    with create_engine(url).begin() as connection:
        connection.execute(text(BOT_WORDING))
    monkeypatch.setattr(wording, "LIVE", wording.PublishedWording(url, ttl=0))
    return url


def publish(db_url: str, key: str, edited: str) -> None:
    """What the workbench's publisher leaves in the table."""
    with create_engine(db_url).begin() as connection:
        connection.execute(
            text(
                "INSERT INTO bot_wording (key, text, version, published_at, published_by) "
                "VALUES (:key, :text, 1, CURRENT_TIMESTAMP, 'editor.wang')"
            ),
            {"key": key, "text": edited},
        )


def tracker(domain: Domain = DOMAIN, **slots: str) -> DialogueStateTracker:
    conversation = DialogueStateTracker("web:someone", domain.slots)
    for name, value in slots.items():
        conversation.update(SlotSet(name, value))
    return conversation


def test_the_launchers_endpoints_make_rasa_build_the_edited_wording_generator(tmp_path):
    endpoints = AvailableEndpoints.read_endpoints(
        str(write_endpoints(tmp_path / "e.yml", 5055, tmp_path / "t.db", tmp_path))
    )
    generator = NaturalLanguageGenerator.create(endpoints.nlg, DOMAIN)
    assert isinstance(generator, EditedWordingNLG) and generator.responses == DOMAIN.responses

    agent = Agent(generator=endpoints.nlg)  # as `rasa run` makes it, before the model loads
    assert isinstance(agent.nlg, EditedWordingNLG) and agent.nlg.responses == {}
    assert isinstance(agent.nlg, TemplatedNaturalLanguageGenerator), "so loading a model hands it the responses"


async def test_without_an_edit_the_domain_is_said(db_url):
    generator = EditedWordingNLG(domain=DOMAIN)
    said = await generator.generate("utter_goodbye", tracker(), "rest")
    assert said["text"] in GOODBYES
    asked = await generator.generate("utter_ask_binding_name", tracker(binding_subject="enterprise"), "rest")
    assert asked["text"] == "请输入企业法定代表人的姓名："
    assert await generator.generate("utter_no_such_response", tracker(), "rest") is None


async def test_a_published_edit_is_said_on_every_channel_with_the_settings_filled(db_url):
    generator = EditedWordingNLG(domain=DOMAIN)
    publish(db_url, "utter_goodbye", "再会！有事请拨打{hotline}（人工服务：{hours}）。")
    expected = f"再会！有事请拨打{settings.hotline}（人工服务：{settings.human_hours}）。"
    for channel in ("rest", "socketio", "wechat", "miniprogram"):
        for _ in range(5):  # whichever variation Rasa picks
            assert (await generator.generate("utter_goodbye", tracker(), channel))["text"] == expected


async def test_an_edit_keeps_the_variations_buttons_channels_and_slots(db_url):
    domain = Domain.from_dict(
        {
            "slots": {"service_item": {"type": "text", "mappings": [{"type": "custom"}]}},
            "responses": {
                "utter_goodbye": [
                    {
                        "text": "再见！",
                        "buttons": [{"title": "继续办理{service_item}", "payload": "/resume_application"}],
                    },
                    {"text": "微信里的再见。", "channel": "wechat", "image": "https://example.org/bye.png"},
                    {"custom": {"kind": "farewell"}, "channel": "miniprogram"},
                ]
            },
        }
    )
    generator = EditedWordingNLG(domain=domain)
    publish(db_url, "utter_goodbye", "再会！")
    plain = await generator.generate("utter_goodbye", tracker(domain, service_item="退休"), "rest")
    assert plain["text"] == "再会！" and plain["buttons"] == [
        {"title": "继续办理退休", "payload": "/resume_application"}
    ]
    on_wechat = await generator.generate("utter_goodbye", tracker(domain), "wechat")
    assert on_wechat["text"] == "再会！" and on_wechat["image"] == "https://example.org/bye.png"
    mini = await generator.generate("utter_goodbye", tracker(domain), "miniprogram")
    assert mini["custom"] == {"kind": "farewell"} and mini.get("text") is None, (
        "a variation with no text stays as it is"
    )
    assert domain.responses["utter_goodbye"][0]["text"] == "再见！", "the domain itself is never changed"


async def test_only_editable_replies_are_served_from_the_table(db_url):
    generator = EditedWordingNLG(domain=DOMAIN)
    publish(db_url, "utter_ask_binding_name", "这句不该出现")
    asked = await generator.generate("utter_ask_binding_name", tracker(), "rest")
    assert asked["text"] == "请输入您身份证上的姓名："


async def test_a_database_that_cannot_be_read_costs_no_reply(tmp_path, monkeypatch):
    monkeypatch.setattr(wording, "LIVE", wording.PublishedWording(f"sqlite:///{tmp_path / 'gone.db'}", ttl=0))
    generator = EditedWordingNLG(domain=DOMAIN)
    assert (await generator.generate("utter_goodbye", tracker(), "rest"))["text"] in GOODBYES
    broken = tmp_path / "broken.db"
    broken.write_text("not a database")
    monkeypatch.setattr(wording, "LIVE", wording.PublishedWording(f"sqlite:///{broken}", ttl=0))
    assert (await generator.generate("utter_goodbye", tracker(), "rest"))["text"] in GOODBYES

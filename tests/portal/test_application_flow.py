"""The application flow step by step against the real portal: every 一件事 from start to an
application number with only the missing fields asked, and the detours a real citizen
takes (help after failed tries, corrections, pausing and coming back, 容缺, an outage)."""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.applications import form as form_module
from bot.applications import supplements
from bot.applications.form import get_form
from bot.portal_client import services as services_module
from bot.portal_client.services import PortalServices
from bot.settings import parse_rounds, settings
from bot.status import check as status_check
from bot.uploads import inbox
from tests.portal.application_chat import FlowChat, bind_token, services_for
from tests.portal.conftest import start_portal, stop_portal
from tests.support.portal_cases import abandon_draft, close_earlier_cases, ordinary_deregistration
from tests.support.sample_files import pdf as sample_pdf
from tests.support.sample_files import photo, renamed_executable
from tests.support.seasons import ROUNDS, closed_round

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = yaml.safe_load((ROOT / "tests" / "application_scenarios.yml").read_text(encoding="utf-8"))
NUMBER = re.compile(r"BS\d{14}")


@pytest.fixture
def chat_for(portal, tmp_path):
    """A chat user bound to a demo subject; the same services database for every chat of a test."""
    services = services_for(portal.url, f"sqlite:///{tmp_path / 'services.db'}")

    def make(subject: dict) -> FlowChat:
        chat = FlowChat(services, portal_url=portal.url)
        if subject["kind"] == "citizen":
            token = bind_token(portal.url, portal.sms_code, name=subject["name"], id_number=subject["id_number"])
            chat.bind(token, "citizen", subject["name"])
        else:
            token = bind_token(
                portal.url,
                portal.sms_code,
                subject_type="enterprise",
                uscc=subject["uscc"],
                legal_representative_name=subject["rep"],
                legal_representative_id_number=subject["rep_id"],
            )
            chat.bind(token, "enterprise", subject["rep"])
        chat.token = token
        return chat

    return make


@pytest.mark.parametrize("code", list(SCENARIOS))
def test_every_item_reaches_an_application_number_asking_only_what_is_missing(portal, chat_for, code):
    scenario = SCENARIOS[code]
    close_earlier_cases(portal.db_url, code)
    chat = chat_for(scenario["subject"])
    opening = chat.start(code, consent=True)
    assert "预填了" in opening, opening
    for answer in scenario["answers"]:
        assert chat.step and chat.step.startswith("field:"), (chat.step, chat.transcript[-3:])
        reply = chat.say(answer)
        assert "没能识别" not in reply and "请直接" not in reply, (answer, reply)
    uploaded = []
    while chat.step and chat.step.startswith("upload:"):
        uploaded.append(chat.step.removeprefix("upload:"))
        assert "已收到" in chat.send_file(photo()), chat.transcript[-3:]
    assert uploaded == scenario.get("uploads", []), uploaded
    signs = bool([m for m in get_form(code).materials if m.supply == "sign"])
    # a case with commitments gets them, and the code, with its summary
    assert chat.step == ("sign" if signs else "review"), chat.transcript[-3:]
    assert "材料清单" in chat.transcript[-1]
    done = chat.confirm()
    number = NUMBER.search(done).group(0)
    assert "申请已提交" in done and "承诺办结日期" in done
    assert "并联办理：\n· " in done, done

    application = portal.get(f"/applications/{number}", chat.token).json()
    assert application["status"] != "draft"
    for name, value in scenario["expect"].items():
        assert application["fields"].get(name) == value, (name, application["fields"])
    form = get_form(code)
    assert not form.missing(application["fields"])
    assert application["prefilled_fields"], "pre-fill took nothing from the profile"


def test_help_after_two_failed_tries_then_a_correction_and_a_pause(portal, chat_for):
    chat = chat_for(SCENARIOS["restaurant"]["subject"])
    chat.start("restaurant", consent=True)
    chat.say("田记面馆")
    chat.say("个体工商户")
    assert chat.step == "field:premises_address"
    first = chat.say("北京市朝阳区建国路1号")
    assert "示例市" in first and chat.step == "field:premises_address"
    second = chat.say("不知道啊")
    assert "例如" in second and "先保存" in second and "转人工" in second
    chat.say("东湖区湖滨路8号一楼")
    assert chat.step == "field:floor_area"

    fixed = chat.say("店名写错了，应该是田记牛肉面馆")
    assert "已将店铺名称改为：田记牛肉面馆" in fixed and chat.step == "field:floor_area"
    pause = chat.say("算了，我回头再办")
    assert "确定先不办了吗" in pause and chat.step == "pause"
    kept = chat.say("是")
    number = NUMBER.search(kept).group(0)
    draft = portal.get(f"/applications/{number}", chat.token).json()
    assert draft["status"] == "draft" and draft["fields"]["shop_name"] == "田记牛肉面馆"

    # a new conversation of the same user offers the draft and carries on where it stopped
    later = FlowChat(chat.services, sender=chat.sender)
    resumed = later.resume()
    assert number in resumed and "接着填" in resumed and later.step == "field:floor_area"


def test_deferred_material_is_committed_and_recorded(portal, chat_for):
    scenario = SCENARIOS["newborn"]
    close_earlier_cases(portal.db_url, "newborn")
    chat = chat_for({"kind": "citizen", "name": "陈晨", "id_number": "990103199003030497"})
    chat.start("newborn", consent=True)
    for answer in scenario["answers"]:
        chat.say(answer)
    assert chat.step == "sign", "the summary came with the commitment and a code"
    chat.click("有材料暂缺（容缺受理）")
    assert chat.step == "defer_pick"
    chat.say("结婚证照片")
    assert chat.step == "defer_date"
    assert "请换一个日期" in chat.say("昨天")
    shown = chat.say("下周五")
    assert chat.step == "sign" and "《容缺受理承诺书》" in shown and "「结婚证照片」于" in shown, shown
    assert "《出生医学证明信息确认表》" in shown and "验证码已发送到您登记的手机" in shown
    assert "验证码不正确" in chat.say("123456") and chat.step == "sign"
    done = chat.say(chat.sms_code())
    number = NUMBER.search(done).group(0)
    application = portal.get(f"/applications/{number}", chat.token).json()
    assert [d["name"] for d in application["deferred_materials"]] == ["结婚证照片"]
    assert "承诺" in application["commitment"] and "补交结婚证照片" in done
    assert {s["document"] for s in application["signatures"]} == {"出生医学证明信息确认表", "容缺受理承诺书"}


def test_a_second_application_for_the_same_baby_is_refused_with_a_pointer_to_the_first(portal, chat_for, demo):
    close_earlier_cases(portal.db_url, "newborn")
    scenario = SCENARIOS["newborn"]
    father = chat_for(scenario["subject"])
    father.start("newborn", consent=True)
    for answer in scenario["answers"]:
        father.say(answer)
    number = NUMBER.search(father.confirm()).group(0)

    mother = chat_for(demo["李娜"])
    refused = mother.start("newborn", consent=True)
    assert number in refused and "无需重复申请" in refused and "查询" in refused, refused
    assert not mother.slots.get("application_active") and mother.step is None, mother.slots
    portal.withdraw_consents(mother.token, "newborn")


def test_consent_refused_means_nothing_is_prefilled(portal, chat_for):
    chat = chat_for({"kind": "citizen", "name": "吴婷", "id_number": "990102199912120661"})
    chat.start("social_security_card")
    assert chat.step == "consent"
    chat.say("不同意", "deny")
    number = chat.slots["application"]["number"]
    draft = portal.get(f"/applications/{number}", chat.token).json()
    assert draft["prefilled_fields"] == [] and chat.step == "field:applicant_name"
    bad_id = chat.say("张三")
    assert chat.step == "field:applicant_id_number", bad_id
    assert "校验位" in chat.say("990171200107070656")


def test_a_portal_outage_at_submission_loses_nothing_and_does_not_submit_twice(portal, chat_for):
    scenario = SCENARIOS["deregistration"]
    chat = chat_for({"kind": "enterprise", "uscc": "91990105MA0001010X", "rep": "彭飞", "rep_id": "99010519821030097X"})
    chat.start("deregistration", consent=True)
    for answer in scenario["answers"]:
        chat.say(answer)
    number = chat.slots["application"]["number"]
    assert chat.step == "sign", "the summary came with the commitment and a code"
    working = chat.services
    chat.services = PortalServices(connect=services_for("http://127.0.0.1:9", "sqlite://").connect, store=working.store)
    failed = chat.say(chat.sms_code())
    assert "系统繁忙" in failed and number in failed and not chat.slots["application_active"]
    chat.services = working
    again = chat.resume()
    assert chat.step == "review" and number in chat.transcript[-1], again
    assert "回复刚才短信里的6位验证码" in chat.transcript[-1], "the code sent before still stands"
    done = chat.confirm()
    assert number in done and "申请已提交" in done


def _lost_card_at_review(chat_for) -> FlowChat:
    """刘芳, who lost her card, at the summary of a 补领 she filled in herself (no pre-fill)."""
    chat = chat_for({"kind": "citizen", "name": "刘芳", "id_number": "990103199211110504"})
    chat.start("social_security_card")
    chat.say("不同意", "deny")
    for answer in ("刘芳", "990103199211110504", "跳过", "13800990004", "补领", "网点自取"):
        chat.say(answer)
    assert chat.step == "review", chat.transcript[-2:]
    return chat


def test_a_change_at_review_asks_what_it_makes_necessary_and_edit_can_go_back(portal, chat_for):
    chat = _lost_card_at_review(chat_for)
    chat.click("修改信息")
    assert chat.step == "edit"
    assert chat.click("不改了，返回核对") and chat.step == "review"
    changed = chat.say("领取方式改为邮寄到家")
    assert "已将领取方式改为：邮寄到家" in changed and chat.step == "field:delivery_address", changed
    chat.say("东湖区湖滨路88号2栋1202")
    assert chat.step == "review"
    assert "申请已提交" in chat.confirm()


def test_a_draft_submitted_elsewhere_is_not_filled_again(portal, chat_for):
    chat = chat_for({"kind": "citizen", "name": "黄秀英", "id_number": "990104197604200743"})
    chat.start("retirement", consent=True)
    for answer in SCENARIOS["retirement"]["answers"]:
        chat.say(answer)
    number = chat.slots["application"]["number"]
    portal.post(f"/applications/{number}/submit", chat.token, headers={"Idempotency-Key": "elsewhere"})
    assert "已经提交过了" in chat.say("确认提交")
    assert chat.slots["application"] is None


def test_submitting_long_after_verifying_asks_for_a_fresh_verification(portal, chat_for, monkeypatch):
    """An identity verified long ago (a phone left unlocked, a kiosk) cannot submit in that
    person's name: the login is ended at the portal and the citizen verifies again."""
    scenario = SCENARIOS["social_security_card"]
    chat = chat_for(scenario["subject"])
    chat.start("social_security_card", consent=True)
    for answer in scenario["answers"]:
        chat.say(answer)
    assert chat.step == "review", chat.transcript[-2:]
    old_token = chat.services.store.current(chat.sender).token
    monkeypatch.setattr(services_module, "settings", replace(services_module.settings, fresh_login_minutes=0))
    refused = chat.say("确认提交")
    assert "重新核验身份" in refused and "继续办理" in refused and "申请已提交" not in refused
    assert chat.services.store.current(chat.sender) is None
    assert portal.get("/me", old_token).status_code == 401, "the old login is revoked at the portal"


def test_withdrawing_consent_in_the_chat_withdraws_it_at_the_portal(portal, chat_for):
    """ "撤回授权": the login is revoked and the standing consents to release data are withdrawn."""
    scenario = SCENARIOS["social_security_card"]
    subject = scenario["subject"]
    chat = chat_for(subject)
    chat.start("social_security_card", consent=True)
    turn = asyncio.run(status_check.unbind(chat.services, chat.sender))
    assert "信息调取授权也已撤回" in turn.replies[0].text and chat.services.store.current(chat.sender) is None
    consents = portal.get("/me/consents", portal.bind(subject["name"], subject["id_number"])).json()["items"]
    assert consents and all(c["withdrawn_at"] for c in consents)


def _restaurant(portal, chat_for, answers: int | None = None) -> FlowChat:
    """田甜's noodle shop, started with consent and answered up to the upload steps (or up to
    the first `answers` questions)."""
    scenario = SCENARIOS["restaurant"]
    close_earlier_cases(portal.db_url, "restaurant")
    chat = chat_for(scenario["subject"])
    chat.start("restaurant", consent=True)
    for answer in scenario["answers"][:answers]:
        chat.say(answer)
    return chat


def test_a_materials_card_sends_several_materials_in_one_step(portal, chat_for):
    chat = _restaurant(portal, chat_for)
    (card,) = [r.custom["materials_card"] for r in chat.last_question if r.custom]
    items = card["items"]
    assert items[0] == "经营场所平面布局图" and len(items) == 6 and card["button"] == "一起上传"
    number = chat.slots["application"]["number"]
    # a name that is not this draft's is asked about, never guessed
    stray = inbox().stage(chat.sender, photo(), "a.jpg")
    asked = chat.send_staged([stray], materials=["营业执照"])
    assert "这是哪一项材料" in asked and chat.step == "upload:经营场所平面布局图", asked
    # two pages of the first material and one file for each of the others, in one message
    refs = [inbox().stage(chat.sender, photo(), f"{i}.jpg") for i in range(len(items) + 1)]
    names = [items[0], *items]
    done = chat.send_staged(refs, materials=names)
    assert all(f"已收到「{name}」" in done for name in items) and "已收到「经营场所平面布局图」的2个文件" in done, done
    assert chat.step == "sign" and "材料清单" in chat.transcript[-1], "every material in: the summary, with the code"
    files = {m["name"]: m["files"] for m in portal.get(f"/applications/{number}", chat.token).json()["checklist"]}
    assert [len(files[name]) for name in items] == [2, 1, 1, 1, 1, 1], files
    abandon_draft(portal.db_url, number)


def test_materials_in_the_chat_refused_deferred_kept_through_an_outage_and_submitted(portal, chat_for):
    chat = _restaurant(portal, chat_for)
    assert chat.step == "upload:经营场所平面布局图", chat.transcript[-2:]
    refused = chat.send_file(renamed_executable(), "平面图.jpg")
    assert "没能收下" in refused and "程序" in refused and chat.step == "upload:经营场所平面布局图", refused
    received = chat.send_file(photo())
    assert "已收到「经营场所平面布局图」" in received and chat.step == "upload:消防设施平面图和应急预案"
    assert any(r.image and r.image.startswith("data:image/jpeg;base64,") for r in chat.last_replies)
    chat.send_file(photo())
    assert chat.step == "upload:室内装修材料燃烧性能证明"
    assert "先容缺" in chat.say("暂缺") and chat.step == "upload:店招效果图"
    assert "不能容缺" in chat.say("暂缺") and chat.step == "upload:店招效果图"

    working = chat.services
    chat.services = PortalServices(connect=services_for("http://127.0.0.1:9", "sqlite://").connect, store=working.store)
    waiting = chat.send_file(photo())
    assert "重新上传" in waiting and chat.step == "upload:店招效果图", waiting
    chat.services = working
    offered = chat.last_replies
    assert "已收到「店招效果图」" in chat.resend("重新上传") and chat.step.startswith("upload:隔油设施")
    chat.last_replies = offered  # the same button pressed again
    assert "已经处理过" in chat.resend("重新上传"), "the same file is not stored twice"
    chat.send_file(photo())
    chat.send_file(sample_pdf())
    assert chat.step == "review", chat.transcript[-2:]
    summary = chat.transcript[-1]
    assert "已上传" in summary and "室内装修材料燃烧性能证明" in summary

    assert chat.step == "review"
    chat.say("确认提交")
    assert chat.step == "defer_date", chat.transcript[-2:]
    shown = chat.say("下周五")
    assert "「室内装修材料燃烧性能证明」于" in shown and "《消防安全检查告知承诺书》" in shown, shown
    done = chat.say(chat.sms_code())
    number = NUMBER.search(done).group(0)
    application = portal.get(f"/applications/{number}", chat.token).json()
    assert [d["name"] for d in application["deferred_materials"]] == ["室内装修材料燃烧性能证明"]
    status = {c["name"]: c["status"] for c in application["checklist"]}
    assert status["店招效果图"] == "uploaded" and status["排水水质检测报告"] == "uploaded", status
    files = [f for c in application["checklist"] for f in c.get("files", [])]
    assert len(files) == 5, files


def test_a_correction_is_answered_by_sending_the_file(portal, chat_for, demo):
    close_earlier_cases(portal.db_url, "deregistration")
    chat = chat_for(demo["示例市长风贸易有限公司"])
    fields = ordinary_deregistration(demo["示例市长风贸易有限公司"])
    assert "没有正在办理" in chat.send_staged([inbox().stage(chat.sender, photo(), "a.jpg")])
    draft = portal.post(
        "/applications", chat.token, json={"service_code": "deregistration", "prefill": False, "fields": fields}
    )
    number = draft.json()["number"]
    portal.supply(number, chat.token)
    portal.post(f"/applications/{number}/submit", chat.token, headers={"Idempotency-Key": uuid.uuid4().hex})
    portal.wait_for(number, chat.token, lambda a: a["status"] == "correction")
    status = asyncio.run(status_check.check_status(chat.services, chat.sender, number))
    told = "\n".join(r.text for r in status.replies)
    assert "清税证明可以直接在这里发给我" in told, told

    ref = inbox().stage(chat.sender, sample_pdf(), "清税证明.pdf")
    turn = asyncio.run(supplements.receive(chat.services, chat.sender, [ref]))
    text = "\n".join(r.text for r in turn.replies)
    assert "已收到「清税证明」" in text and number in text and "已交给承办部门" in text, text
    done = portal.wait_for(number, chat.token, lambda a: a["status"] in ("completed", "rejected"))
    assert done["status"] == "completed", done["events"][-3:]


def test_an_answer_that_rules_the_application_out_is_said_at_once_and_before_submission(portal, chat_for):
    chat = _restaurant(portal, chat_for, answers=-1)
    warned = chat.say("还没装")
    assert "请注意" in warned and "排水许可办不下来" in warned and "安装" in warned, warned
    while chat.step and chat.step.startswith("upload:"):
        chat.send_file(photo())
    summary = chat.transcript[-1]
    assert chat.step == "review" and "暂时不能提交" in summary and "费用：不收费" in summary, summary
    assert "确认提交" not in [b.title for r in chat.last_question for b in r.buttons]
    refused = chat.say("确认提交")
    assert "排水许可办不下来" in refused and chat.step == "review", "no code is sent for an application that fails"
    fixed = chat.say("隔油设施改成隔油池")
    assert "已将隔油设施改为：隔油池" in fixed, fixed
    while chat.step and chat.step.startswith("upload:"):
        chat.send_file(photo())
    assert "暂时不能提交" not in chat.transcript[-1]
    abandon_draft(portal.db_url, chat.slots["application"]["number"])


def test_the_summary_names_the_fee_of_the_case(portal, chat_for):
    chat = _lost_card_at_review(chat_for)
    assert "费用：遗失补领收工本费每张20元" in chat.transcript[-1]
    abandon_draft(portal.db_url, chat.slots["application"]["number"])


def test_a_photo_sent_by_mistake_is_removed_and_asked_for_again(portal, chat_for):
    chat = _restaurant(portal, chat_for)
    while chat.step and chat.step.startswith("upload:"):
        chat.send_file(photo())
    assert chat.step == "sign" and "重新上传" in chat.transcript[-1], chat.transcript[-1]
    number = chat.slots["application"]["number"]

    redo = chat.say("店招效果图传错了，我重新拍一张")
    assert "「店招效果图」原来的文件已删除" in redo and chat.step == "upload:店招效果图", redo
    files = {m["name"]: m["files"] for m in portal.get(f"/applications/{number}", chat.token).json()["checklist"]}
    assert files["店招效果图"] == [] and len(files["经营场所平面布局图"]) == 1, "only the material named"
    assert "已收到「店招效果图」" in chat.send_file(photo()) and chat.step == "review"
    assert "回复刚才短信里的6位验证码" in chat.transcript[-1], "no second code unasked; the first still stands"
    asked = chat.say("确认提交")
    assert chat.step == "sign" and "回复短信里的6位验证码" in asked, asked
    abandon_draft(portal.db_url, number)


def test_a_change_after_the_code_was_sent_asks_for_a_new_one(portal, chat_for):
    """The restaurant's commitments name the shop: after 店名 changes, the code sent with the
    summary would sign the old texts, so the summary offers 确认提交 again, not that code."""
    chat = _restaurant(portal, chat_for)
    while chat.step and chat.step.startswith("upload:"):
        chat.send_file(photo())
    assert chat.step == "sign"
    fixed = chat.say("店名改成田记牛肉面")
    assert chat.step == "review" and "回复刚才短信里的6位验证码" not in fixed and "点“确认提交”" in fixed, fixed
    shown = chat.say("确认提交")
    assert chat.step == "sign" and "本店（田记牛肉面" in shown, shown
    done = chat.say(chat.sms_code())
    assert "申请已提交" in done, done


@pytest.fixture(scope="module")
def out_of_season(tmp_path_factory):
    """A portal whose 入学报名 round this year does not include today (the suite's own portal
    applies in season, tests/support/seasons.py)."""
    work = tmp_path_factory.mktemp("out-of-season")
    process, running = start_portal(work, f"sqlite:///{work / 'portal.db'}", env_extra={ROUNDS: closed_round()})
    yield running
    stop_portal(process)
    running.client.close()


def test_out_of_season_the_school_application_is_said_at_once_kept_and_not_submitted(
    out_of_season, tmp_path, monkeypatch
):
    monkeypatch.setattr(form_module, "settings", replace(settings, registration_rounds=parse_rounds(closed_round())))
    scenario = SCENARIOS["school_enrollment"]
    subject = scenario["subject"]
    chat = FlowChat(
        services_for(out_of_season.url, f"sqlite:///{tmp_path / 'services.db'}"), portal_url=out_of_season.url
    )
    chat.token = bind_token(
        out_of_season.url, out_of_season.sms_code, name=subject["name"], id_number=subject["id_number"]
    )
    chat.bind(chat.token, "citizen", subject["name"])
    opening = chat.start("school_enrollment", consent=True)
    assert "请注意：入学报名每年5月至6月" in opening and "草稿会一直为您保存" in opening, opening
    for answer in scenario["answers"]:
        chat.say(answer)
    assert chat.step == "review" and "暂时不能提交" in chat.transcript[-1], chat.transcript[-1]
    refused = chat.say("确认提交")
    assert "现在不在报名期" in refused and chat.step == "review", refused
    number = chat.slots["application"]["number"]
    assert out_of_season.get(f"/dev/signing/{number}").status_code == 404, "no code is sent out of season"
    application = out_of_season.get(f"/applications/{number}", chat.token).json()
    assert application["status"] == "draft" and application["fields"]["school_name"] == "示例市西山区青松小学"
    # the portal refuses it too, whoever asks
    direct = out_of_season.post(
        f"/applications/{number}/submit", chat.token, json={}, headers={"Idempotency-Key": "k1"}
    )
    assert direct.status_code == 422 and direct.json()["code"] == "application_blocked", direct.text
    assert direct.json()["details"][0]["field"] == "submitted_on"


def test_in_season_the_school_application_promises_the_result_date(portal, chat_for):
    scenario = SCENARIOS["school_enrollment"]
    close_earlier_cases(portal.db_url, "school_enrollment")
    chat = chat_for(scenario["subject"])
    assert "请注意" not in chat.start("school_enrollment", consent=True)
    for answer in scenario["answers"]:
        chat.say(answer)
    # the assessment most children do not need is offered at the summary, not asked
    assert chat.step == "review" and "选填：孩子需要做残疾儿童入学评估的" in chat.transcript[-1]
    asked = chat.say("孩子需要入学评估")
    assert chat.step == "field:assessment_needed" and "入学评估吗" in asked, asked
    summary = chat.say("需要")
    assert chat.step == "review" and "需要入学评估：是" in summary and "选填：" not in summary, summary
    done = chat.confirm()
    assert "申请已提交" in done and "录取结果于7月31日前公布" in done, done
    number = NUMBER.search(done).group(0)
    promised = date.fromisoformat(portal.get(f"/applications/{number}", chat.token).json()["promised_date"])
    assert (promised.month, promised.day) == (7, 31) and promised >= date.today()

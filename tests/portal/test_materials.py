"""Materials as files: uploaded to a draft, checked by content, shown back, replaced, removed,
counted into the checklist; submission waits for what the case needs; a retried upload is
stored once; bad files are refused and nothing of them is kept."""

from __future__ import annotations

import base64
import uuid

import pytest
from sqlalchemy import create_engine, func, select

from portal.models import MaterialFile
from tests.support import sample_files
from tests.support.portal_cases import RESTAURANT


def _checklist(portal, number: str, token: str) -> dict[str, dict]:
    return {m["name"]: m for m in portal.get(f"/applications/{number}", token).json()["checklist"]}


def _rows(db_url: str) -> int:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(MaterialFile)).scalar_one()
    finally:
        engine.dispose()


def test_the_checklist_fits_the_case_and_says_what_is_done_about_each(portal, restaurant_draft):
    number, token = restaurant_draft
    checklist = _checklist(portal, number, token)
    assert checklist["经营者身份证明"]["status"] == "shared"
    assert checklist["消防安全检查告知承诺书"]["status"] == "sign"
    assert checklist["租赁合同"]["status"] == "optional"
    assert checklist["店招效果图"]["status"] == "needed"  # a signboard was asked for
    assert checklist["隔油设施照片和排水接驳示意图"]["status"] == "needed"  # a 隔油池 was named
    needed = [name for name, m in checklist.items() if m["status"] == "needed"]
    assert needed == [
        "经营场所平面布局图",
        "消防设施平面图和应急预案",
        "室内装修材料燃烧性能证明",
        "店招效果图",
        "隔油设施照片和排水接驳示意图",
        "排水水质检测报告",
    ]
    without_sign = portal.patch(f"/applications/{number}", token, json={"fields": {"signboard": False}})
    assert "店招效果图" not in {m["name"] for m in without_sign.json()["checklist"]}


def test_an_upload_is_shown_back_readable_and_counted(portal, restaurant_draft):
    number, token = restaurant_draft
    image = sample_files.photo()
    uploaded = portal.upload(number, token, "经营场所平面布局图", image)
    assert uploaded.status_code == 201, uploaded.text
    body = uploaded.json()
    assert body["content_type"] == "image/jpeg" and body["size"] == len(image) and body["purpose"] == "application"
    assert body["thumbnail"].startswith("data:image/jpeg;base64,")
    assert base64.b64decode(body["thumbnail"].split(",", 1)[1])[:3] == b"\xff\xd8\xff"
    item = _checklist(portal, number, token)["经营场所平面布局图"]
    assert item["status"] == "uploaded" and [f["file_id"] for f in item["files"]] == [body["file_id"]]
    content = portal.get(f"/applications/{number}/materials/{body['file_id']}", token)
    assert content.content == image and content.headers["content-disposition"] == "attachment"
    thumb = portal.get(f"/applications/{number}/materials/{body['file_id']}/thumbnail", token)
    assert thumb.headers["content-type"] == "image/jpeg" and thumb.content[:3] == b"\xff\xd8\xff"

    document = portal.upload(number, token, "消防设施平面图和应急预案", sample_files.pdf(pages=3))
    assert document.status_code == 201 and document.json()["pages"] == 3 and document.json()["thumbnail"] is None


def test_a_retried_upload_is_stored_once(portal, restaurant_draft):
    number, token = restaurant_draft
    key = uuid.uuid4().hex
    first = portal.upload(number, token, "店招效果图", sample_files.png(), key=key)
    again = portal.upload(number, token, "店招效果图", sample_files.png(), key=key)
    assert first.status_code == 201 and again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true" and again.json()["file_id"] == first.json()["file_id"]
    assert len(_checklist(portal, number, token)["店招效果图"]["files"]) == 1
    other = portal.upload(number, token, "店招效果图", sample_files.photo(), key=key)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    missing_key = portal.post(
        f"/applications/{number}/materials", token, data={"material": "店招效果图"}, files={"file": ("a.jpg", b"x")}
    )
    assert missing_key.status_code == 400


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (sample_files.renamed_executable, "file_type_refused"),
        (sample_files.svg_with_script, "file_type_refused"),
        (sample_files.zip_bomb, "file_type_refused"),
        (sample_files.pdf_with_javascript, "pdf_active_content"),
        (sample_files.pixel_bomb, "image_too_large"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_kept(portal, restaurant_draft, make, code):
    number, token = restaurant_draft
    before = _rows(portal.db_url)
    refused = portal.upload(number, token, "经营场所平面布局图", make())
    assert refused.status_code == 422 and refused.json()["code"] == code, refused.text
    assert "请" in refused.json()["message"]
    assert _rows(portal.db_url) == before
    assert _checklist(portal, number, token)["经营场所平面布局图"]["files"] == []


def test_a_50_mb_image_is_refused_before_it_is_read(portal, restaurant_draft):
    number, token = restaurant_draft
    refused = portal.upload(number, token, "经营场所平面布局图", sample_files.oversized_image(50))
    assert refused.status_code == 413 and "10MB" in refused.json()["message"]


def test_what_is_not_uploaded_is_refused_with_the_reason(portal, restaurant_draft):
    number, token = restaurant_draft
    cases = {
        "经营者身份证明": "material_shared",
        "消防安全检查告知承诺书": "material_signed_online",
        "营业执照": "material_not_in_case",
    }
    for name, code in cases.items():
        refused = portal.upload(number, token, name, sample_files.photo())
        assert refused.status_code == 422 and refused.json()["code"] == code, (name, refused.text)


def test_replace_and_remove(portal, restaurant_draft):
    number, token = restaurant_draft
    first = portal.upload(number, token, "经营场所平面布局图", sample_files.photo()).json()
    second = portal.upload(number, token, "经营场所平面布局图", sample_files.png(), replaces=first["file_id"]).json()
    assert second["replaced"] == first["file_id"]
    files = _checklist(portal, number, token)["经营场所平面布局图"]["files"]
    assert [f["file_id"] for f in files] == [second["file_id"]]
    assert portal.get(f"/applications/{number}/materials/{first['file_id']}", token).status_code == 404
    removed = portal.delete(f"/applications/{number}/materials/{second['file_id']}", token)
    assert removed.status_code == 200
    assert {m["name"]: m for m in removed.json()["checklist"]}["经营场所平面布局图"]["status"] == "needed"


def test_files_per_material_are_limited(portal, restaurant_draft):
    number, token = restaurant_draft
    for index in range(5):
        assert portal.upload(number, token, "店招效果图", sample_files.photo(colour=(index, 0, 0))).status_code == 201
    sixth = portal.upload(number, token, "店招效果图", sample_files.photo())
    assert sixth.status_code == 422 and sixth.json()["code"] == "too_many_files"


def test_another_persons_files_answer_as_if_absent(portal, restaurant_draft, citizen_token):
    number, token = restaurant_draft
    file_id = portal.upload(number, token, "店招效果图", sample_files.photo()).json()["file_id"]
    stranger = citizen_token("王强")
    assert portal.get(f"/applications/{number}/materials/{file_id}", stranger).status_code == 404
    assert portal.upload(number, stranger, "店招效果图", sample_files.photo()).status_code == 404
    assert portal.delete(f"/applications/{number}/materials/{file_id}", stranger).status_code == 404


def test_submission_waits_for_the_materials_the_case_needs(portal, restaurant_draft):
    number, token = restaurant_draft
    refused = portal.post(f"/applications/{number}/submit", token, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert refused.status_code == 422 and refused.json()["code"] == "materials_missing"
    assert "经营场所平面布局图" in refused.json()["message"]
    assert {d["problem"] for d in refused.json()["details"]} >= {"店招效果图", "排水水质检测报告"}

    for name in ("经营场所平面布局图", "消防设施平面图和应急预案", "店招效果图", "隔油设施照片和排水接驳示意图"):
        assert portal.upload(number, token, name, sample_files.photo()).status_code == 201
    # the two 可容缺 ones are covered by a signed commitment instead of a file
    missing = [{"name": "室内装修材料燃烧性能证明"}, {"name": "排水水质检测报告"}]
    portal.sign(number, token, missing)
    submitted = portal.post(
        f"/applications/{number}/submit",
        token,
        headers={"Idempotency-Key": uuid.uuid4().hex},
        json={"missing_materials": missing, "commitment": True},
    )
    assert submitted.status_code == 200, submitted.text
    statuses = {m["name"]: m["status"] for m in submitted.json()["checklist"]}
    assert statuses["排水水质检测报告"] == "deferred" and statuses["店招效果图"] == "uploaded"

    # after submission: a promised material is accepted as a supplement, anything else is not
    late = portal.upload(number, token, "排水水质检测报告", sample_files.pdf())
    assert late.status_code == 201 and late.json()["purpose"] == "supplement"
    other = portal.upload(number, token, "店招效果图", sample_files.photo())
    assert other.status_code == 422 and other.json()["code"] == "material_not_requested"
    listed = portal.get(f"/applications/{number}/materials/{late.json()['file_id']}", token)
    locked = portal.delete(f"/applications/{number}/materials/{late.json()['file_id']}", token)
    assert listed.status_code == 200 and locked.status_code == 409


def test_the_portal_keeps_files_in_an_s3_bucket(tmp_path):
    """The production option: the same upload, with the bytes in an S3-compatible bucket."""
    import boto3
    from moto.server import ThreadedMotoServer

    from bot.ops.processes import free_port
    from tests.portal.conftest import start_portal, stop_portal

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    credentials = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    endpoint = f"http://127.0.0.1:{port}"
    with pytest.MonkeyPatch.context() as patch:
        for name, value in credentials.items():
            patch.setenv(name, value)
        patch.setenv("BANSHI_PORTAL_OBJECTS", f"s3://banshi-materials/portal?endpoint={endpoint}")
        process, running = start_portal(tmp_path, f"sqlite:///{tmp_path / 'portal.db'}", objects=None)
    try:
        token = running.bind("田甜", RESTAURANT["operator_id_number"])
        number = running.post(
            "/applications", token, json={"service_code": "restaurant", "fields": RESTAURANT, "prefill": False}
        ).json()["number"]
        image = sample_files.photo()
        file_id = running.upload(number, token, "店招效果图", image).json()["file_id"]
        bucket = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **_aws(credentials))
        keys = [o["Key"] for o in bucket.list_objects_v2(Bucket="banshi-materials")["Contents"]]
        assert f"portal/applications/{number}/{file_id}.jpg" in keys
        assert running.get(f"/applications/{number}/materials/{file_id}", token).content == image
    finally:
        stop_portal(process)
        running.client.close()
        server.stop()


def _aws(credentials: dict[str, str]) -> dict[str, str]:
    return {
        "aws_access_key_id": credentials["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": credentials["AWS_SECRET_ACCESS_KEY"],
    }

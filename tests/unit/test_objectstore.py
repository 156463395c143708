"""The object store's two backends behave alike: a local directory, and an S3 bucket on moto's
server (the stand-in for MinIO, which cannot be installed here)."""

from __future__ import annotations

import os
import stat

import pytest

from bot.objectstore import LocalObjectStore, ObjectNotFound, open_store
from bot.ops.processes import free_port


@pytest.fixture(scope="module")
def s3_url():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    yield f"s3://banshi-materials/portal?endpoint=http://127.0.0.1:{port}"
    server.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return open_store(f"file://{tmp_path / 'objects'}")
    return open_store(request.getfixturevalue("s3_url"))


def test_put_get_list_delete(store):
    store.put("applications/BS1/a.jpg", b"one", "image/jpeg")
    store.put("applications/BS1/b.pdf", b"two", "application/pdf")
    store.put("applications/BS2/c.png", b"three")
    assert store.get("applications/BS1/a.jpg") == b"one"
    assert store.keys("applications/BS1/") == ["applications/BS1/a.jpg", "applications/BS1/b.pdf"]
    store.put("applications/BS1/a.jpg", b"replaced")
    assert store.get("applications/BS1/a.jpg") == b"replaced"
    store.delete("applications/BS1/a.jpg")
    store.delete("applications/BS1/a.jpg")  # deleting twice is fine
    with pytest.raises(ObjectNotFound):
        store.get("applications/BS1/a.jpg")


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a/../../b", "a//b", "名字.jpg", ""])
def test_keys_cannot_leave_the_store(store, key):
    with pytest.raises(ValueError):
        store.put(key, b"x")


def test_local_files_are_private_and_never_half_written(tmp_path):
    store = LocalObjectStore(tmp_path / "objects")
    store.put("inbox/u1/f", b"data")
    path = tmp_path / "objects" / "inbox" / "u1" / "f"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".part-")]

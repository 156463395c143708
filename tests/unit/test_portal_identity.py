"""The store of verified identities: masked names only, tokens encrypted, expiry honoured,
forgetting works."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import create_engine, text

from bot.identity.store import IdentityStore
from bot.portal_client.models import PortalToken

NOW = datetime.now(timezone.utc)


def token(expires_in: timedelta) -> PortalToken:
    return PortalToken("tok-123", NOW + expires_in, "citizen", "欧阳娜娜")


def test_a_binding_is_kept_with_the_name_masked(tmp_db_url):
    store = IdentityStore(tmp_db_url)
    store.save("web-1", "rest", token(timedelta(days=7)), NOW)
    found = store.current("web-1")
    assert found.display_name_masked == "欧***" and found.token == "tok-123"
    assert found.token_expires_at > NOW
    with create_engine(tmp_db_url).connect() as conn:
        stored = " ".join(str(v) for row in conn.execute(text("SELECT * FROM portal_identities")) for v in row)
    assert "欧阳娜娜" not in stored and "tok-123" not in stored
    assert store.current("someone-else") is None


def test_saving_again_replaces_the_binding(tmp_db_url):
    store = IdentityStore(tmp_db_url)
    store.save("web-1", "rest", token(timedelta(days=7)), NOW)
    store.save("web-1", "rest", PortalToken("tok-456", NOW + timedelta(days=1), "citizen", "马志强"), NOW)
    assert store.current("web-1").token == "tok-456"


def test_an_expired_binding_counts_as_none_and_is_removed(tmp_db_url):
    store = IdentityStore(tmp_db_url)
    store.save("web-1", "rest", token(timedelta(seconds=-1)), NOW)
    assert store.current("web-1") is None
    assert store.forget("web-1") is False, "already removed when read"


def test_forgetting(tmp_db_url):
    store = IdentityStore(tmp_db_url)
    store.save("web-1", "rest", token(timedelta(days=7)), NOW)
    assert store.forget("web-1") is True and store.current("web-1") is None


def test_a_token_is_readable_only_with_the_installation_key(tmp_db_url):
    IdentityStore(tmp_db_url, key="key-one").save("web-1", "rest", token(timedelta(days=7)), NOW)
    assert IdentityStore(tmp_db_url, key="key-one").current("web-1").token == "tok-123"
    assert IdentityStore(tmp_db_url, key="key-two").current("web-1") is None, "another key reads nothing"

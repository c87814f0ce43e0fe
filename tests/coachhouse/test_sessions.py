"""Sessions read with the content generation, in the page cache's one round trip."""

from django.core.cache import cache
from django.test import Client, RequestFactory

from coachhouse import sessions


def test_a_signed_in_page_asks_the_cache_for_the_session_with_the_generation(
    learner, lessons, monkeypatch
):
    client = Client()
    client.force_login(learner)
    session_key = client.cookies["sessionid"].value
    client.get(lessons[0].url)
    asked, inside_get_many = [], []
    get, get_many = cache.get, cache.get_many

    def spy_get(key, *args, **kwargs):
        if not inside_get_many:  # the local-memory cache's get_many calls get for each key
            asked.append(("get", key))
        return get(key, *args, **kwargs)

    def spy_get_many(keys, *args, **kwargs):
        asked.append(("get_many", keys))
        inside_get_many.append(True)
        try:
            return get_many(keys, *args, **kwargs)
        finally:
            inside_get_many.pop()

    monkeypatch.setattr(cache, "get", spy_get)
    monkeypatch.setattr(cache, "get_many", spy_get_many)

    assert client.get(lessons[0].url).status_code == 200

    session_reads = [(method, keys) for method, keys in asked if session_key in str(keys)]
    assert len(session_reads) == 1
    method, keys = session_reads[0]
    assert method == "get_many"
    assert "content-generation" in keys


def test_the_session_read_ahead_serves_the_first_load_only(learner, db):
    store = sessions.SessionStore()
    store["note"] = "as stored"
    store.save()
    request = RequestFactory().get("/", HTTP_COOKIE=f"sessionid={store.session_key}")

    with sessions.prefetched(request, {"note": "read ahead"}):
        first = sessions.SessionStore(store.session_key).load()
        second = sessions.SessionStore(store.session_key).load()

    assert first == {"note": "read ahead"}
    assert second["note"] == "as stored"
    assert sessions.SessionStore(store.session_key).load()["note"] == "as stored"


def test_only_a_well_formed_session_cookie_is_read_ahead(db):
    def key_for(cookie):
        request = RequestFactory().get("/", HTTP_COOKIE=f"sessionid={cookie}")
        return sessions.cache_key_for(request)

    assert key_for("a" * 32).endswith("a" * 32)
    for cookie in ("", "short", "A" * 32, "a" * 31 + "!", "a" * 200):
        assert key_for(cookie) is None, cookie

"""Query syntax typed into the public search and look-up: SQL quoting, SQLite's
full-text operators, LIKE wildcards, NUL, astral characters. Each is text to
search for: a page in Vietnamese, never a 500, and nothing found that the words
do not name."""

from .test_catalog_web import sample  # noqa: F401 - fixture

TYPED = ['"', "'", "a AND", "*", "NEAR(a b)", "' OR 1=1 --", "%", "_", "\\", 'đ"đ', "a:b",
         "^a", "(", ")", "-a", "a OR", "\x00", "𝕏" * 50, "<script>x</script>"]


def test_query_syntax_in_public_searches_is_only_text(client, sample):  # noqa: F811
    for q in TYPED:
        reply = client.get("/thu-tuc", query_string={"q": q})
        page = reply.get_data(as_text=True)
        assert reply.status_code == 200, (q, reply.status_code)
        assert "<script>x</script>" not in page
        # A LIKE wildcard alone finds nothing: it names no procedure.
        if q in ("%", "_"):
            results = page.split('id="results"')[1][:2000] if 'id="results"' in page else ""
            assert 'href="/thu-tuc/' not in results, q
    for code in TYPED[:15]:
        reply = client.get("/tra-cuu", query_string={"code": code})
        assert reply.status_code == 200, (code, reply.status_code)
        assert "Không tìm thấy hồ sơ" in reply.get_data(as_text=True)

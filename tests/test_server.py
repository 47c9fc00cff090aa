"""The web API over a real Assistant on the bundled corpus (FastAPI's TestClient, no mocks)."""
from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from rag import Config
from rag.followup import resolve_followup
from rag.server import K_MAX, MAX_BODY, create_app

EXAMPLE = "What is Xi'an's 2030 NEV output target?"


@pytest.fixture(scope="module")
def client(assistant):
    with TestClient(create_app(assistant), base_url="http://localhost") as client:
        yield client


def events(text: str) -> list[tuple[str, object]]:
    """(event, decoded data) for each Server-Sent Event in text."""
    found = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        found.append((lines["event"], json.loads(lines["data"])))
    return found


def assert_error(response, *statuses: int) -> str:
    assert response.status_code in statuses, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and body["error"]
    assert "Traceback" not in response.text
    return body["error"]


# --- /api/ask ---

def test_ask_returns_the_cli_json(client, assistant):
    response = client.post("/api/ask", json={"question": EXAMPLE})
    assert response.status_code == 200
    body = response.json()
    expected = assistant.ask(EXAMPLE).to_dict()
    assert body.keys() == expected.keys()
    assert {k: v for k, v in body.items() if k != "latency_ms"} == {k: v for k, v in expected.items() if k != "latency_ms"}
    assert body["question"] == EXAMPLE and not body["abstained"]
    assert "310 billion" in body["answer"]
    citation = body["citations"][0]
    assert f"[{citation['n']}]" in body["answer"]
    assert 0 <= citation["start"] < citation["end"] <= len(citation["text"])
    assert "310 billion" in citation["text"][citation["start"]:citation["end"]]


def test_ask_k_limits_the_passages(client):
    body = client.post("/api/ask", json={"question": "What is the population of Mars?", "k": 1}).json()
    assert body["abstained"] and len(body["citations"]) == 1


@pytest.mark.parametrize("payload, statuses", [
    ({"question": ""}, (400,)),
    ({"question": "   \n "}, (400,)),
    ({}, (422,)),
    ({"question": 42}, (422,)),
    ({"question": ["a"]}, (422,)),
    ({"question": "x" * 2001}, (413, 422)),
    ({"question": EXAMPLE, "k": 0}, (422,)),
    ({"question": EXAMPLE, "k": K_MAX + 1}, (422,)),
    ({"question": EXAMPLE, "k": "five"}, (422,)),
    ({"question": EXAMPLE, "history": "not a list"}, (422,)),
])
def test_ask_bad_requests(client, payload, statuses):
    message = assert_error(client.post("/api/ask", json=payload), *statuses)
    if payload.get("question") == "":
        assert "empty" in message
    if isinstance(payload.get("question"), str) and len(payload["question"]) > 2000:
        assert "too long" in message and "2000" in message


def test_ask_bad_json(client):
    for body in (b"{not json", b'{"question": "unterminated', b"\xff\xfe"):
        assert "JSON" in assert_error(client.post("/api/ask", content=body, headers={"content-type": "application/json"}), 400, 422)
    assert_error(client.post("/api/ask", content=b"[1, 2]", headers={"content-type": "application/json"}), 400, 422)


def test_huge_bodies_are_refused(client):
    huge = json.dumps({"question": "x" * (MAX_BODY + 10)}).encode()
    assert "too large" in assert_error(client.post("/api/ask", content=huge, headers={"content-type": "application/json"}), 413)

    def chunks():  # no Content-Length: counted as it arrives
        for _ in range(MAX_BODY // 1024 + 8):
            yield b" " * 1024

    assert_error(client.post("/api/ask", content=chunks(), headers={"content-type": "application/json"}), 413)


def test_wrong_method_and_unknown_route_are_json(client):
    assert_error(client.get("/api/ask"), 405)
    assert_error(client.get("/api/nothing-here"), 404)


# --- /api/ask/stream ---

def test_stream_sends_passages_pieces_then_done(client):
    response = client.get("/api/ask/stream", params={"question": EXAMPLE})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    found = events(response.text)
    names = [name for name, _ in found]
    assert names[0] == "passages" and names[-1] == "done"
    assert set(names[1:-1]) == {"answer"} and len(names) > 3
    passages = found[0][1]
    assert 1 <= len(passages) <= Config().k and {"chunk_id", "source", "title", "text"} <= passages[0].keys()
    done = found[-1][1]
    assert "".join(data for name, data in found if name == "answer") == done["answer"]
    plain = client.post("/api/ask", json={"question": EXAMPLE}).json()
    assert done.keys() == plain.keys() and done["answer"] == plain["answer"]
    assert done["citations"][0]["chunk_id"] in {p["chunk_id"] for p in passages}


def test_stream_k_and_bad_requests(client):
    found = events(client.get("/api/ask/stream", params={"question": EXAMPLE, "k": 2}).text)
    assert len(found[0][1]) == 2
    assert "empty" in assert_error(client.get("/api/ask/stream", params={"question": " "}), 400)
    assert_error(client.get("/api/ask/stream", params={"question": "x" * 2001}), 413, 422)
    assert_error(client.get("/api/ask/stream", params={"question": EXAMPLE, "k": 0}), 422)
    assert_error(client.get("/api/ask/stream", params={"question": EXAMPLE, "k": 99}), 422)
    assert_error(client.get("/api/ask/stream"), 422)


def test_stream_completes_a_follow_up_from_context(client):
    found = events(client.get("/api/ask/stream", params={
        "question": "And what about the semiconductor industry?", "context": EXAMPLE}).text)
    done = found[-1][1]
    assert found[-1][0] == "done"
    assert done["question"] == "What is Xi'an's 2030 semiconductor industry output target?"


def test_ask_completes_a_follow_up_from_history(client):
    body = client.post("/api/ask", json={"question": "What about Chengdu?", "history": ["Who?", EXAMPLE]}).json()
    assert body["question"] == "What is Chengdu's 2030 NEV output target?"
    standalone = client.post("/api/ask", json={"question": EXAMPLE, "history": ["What is the population of Mars?"]}).json()
    assert standalone["question"] == EXAMPLE


# --- passages, health, pages ---

def test_passage_by_id(client, assistant):
    chunk = assistant.index.chunks[3]
    response = client.get(f"/api/passages/{chunk.chunk_id}")
    assert response.status_code == 200
    assert response.json() == {"chunk_id": chunk.chunk_id, "source": chunk.doc_id, "title": chunk.title,
                               "heading": chunk.heading, "text": chunk.text}


@pytest.mark.parametrize("path", [
    "/api/passages/no-such-chunk",
    "/api/passages/001_e0bc9c2f253517cb.txt",  # a real file, but not a chunk id
    "/api/passages/001_e0bc9c2f253517cb.txt:9999",
    "/api/passages/../../../etc/passwd",
    "/api/passages/..%2F..%2F..%2Fetc%2Fpasswd",
    "/api/passages/%2e%2e/%2e%2e/pyproject.toml",
    "/api/passages/%252e%252e%252fpyproject.toml",
    "/api/passages/%2Fetc%2Fpasswd",
    "/api/passages/..\\..\\pyproject.toml",
])
def test_passage_unknown_and_traversal_404(client, path):
    response = client.get(path)
    assert_error(response, 404)
    assert "root:" not in response.text and "[project]" not in response.text


def test_healthz(client, assistant):
    assert client.get("/healthz").json() == {"status": "ok", "chunks": len(assistant.index), "model": assistant.index.model}


def test_page_and_assets_are_local(client):
    response = client.get("/")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    assert 'id="question"' in html and "/static/app.js" in html and "/static/style.css" in html
    assert "http://" not in html and "https://" not in html and "<script>" not in html
    assert "script-src 'self'" in response.headers["content-security-policy"]
    for asset in ("/static/app.js", "/static/style.css", "/static/favicon.svg"):
        assert client.get(asset).status_code == 200
    assert not re.search(r"\.(?:inner|outer)HTML|insertAdjacentHTML|document\.write", client.get("/static/app.js").text)


def test_docs_describe_the_api_without_a_cdn(client):
    response = client.get("/docs")
    assert response.status_code == 200
    for path in ("/api/ask", "/api/ask/stream", "/api/passages/{chunk_id}", "/healthz"):
        assert path in response.text
    assert "https://" not in response.text
    assert {"/api/ask", "/api/ask/stream", "/healthz"} <= client.get("/openapi.json").json()["paths"].keys()


def test_app_from_a_factory_opens_it_once(assistant):
    calls = []

    def factory():
        calls.append(1)
        return assistant

    with TestClient(create_app(factory), base_url="http://localhost") as client:
        assert client.get("/healthz").json()["status"] == "ok"
        assert client.post("/api/ask", json={"question": EXAMPLE}).status_code == 200
    assert calls == [1]


# --- follow-up rewriting ---

@pytest.mark.parametrize("question, previous, expected", [
    ("And what about the semiconductor industry?", EXAMPLE, "What is Xi'an's 2030 semiconductor industry output target?"),
    ("what about semiconductors", EXAMPLE, "What is Xi'an's 2030 semiconductors output target?"),
    ("How about Chengdu?", EXAMPLE, "What is Chengdu's 2030 NEV output target?"),
    ("And in 2035?", EXAMPLE, "What is Xi'an's 2035 NEV output target?"),
    ("and Hong Kong?", "What is Xi'an's GDP?", "What is Hong Kong's GDP?"),
    ("What about exports?", "How fast did Shenzhen's GDP grow?", "How fast did Shenzhen's exports grow?"),
    ("What about exports?", "How big is the market?", "How big is the market? exports?"),
    ("How big is it?", EXAMPLE, f"{EXAMPLE} How big is it?"),
    ("And when was it announced?", EXAMPLE, f"{EXAMPLE} When was it announced?"),
    ("Why?", EXAMPLE, f"{EXAMPLE} Why?"),
    ("And?", EXAMPLE, EXAMPLE),
    # questions that stand alone are left as they are
    (EXAMPLE, "What is the population of Mars?", EXAMPLE),
    ("And what is the population of Mars?", EXAMPLE, "And what is the population of Mars?"),
    ("Which company drives the semiconductor industry in Xi'an?", EXAMPLE,
     "Which company drives the semiconductor industry in Xi'an?"),
    ("How big is it?", None, "How big is it?"),
    ("  How   big is it? ", "", "How big is it?"),
])
def test_resolve_followup(question, previous, expected):
    assert resolve_followup(question, previous) == expected

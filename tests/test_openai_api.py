"""`rag serve` as an OpenAI-compatible model, used through the official `openai` client over real HTTP
(the uvicorn server `rag serve` runs, in a thread), with the extractive generator and with the LLM one."""
from __future__ import annotations

import httpx
import pytest

from llm_server import LlamaServer, ScriptedServer, require_llama
from rag import Assistant, Config
from rag.server import create_app
from test_server_http import running

openai = pytest.importorskip("openai")

EXAMPLE = "What is Xi'an's 2030 NEV output target?"


def client_for(url: str) -> "openai.OpenAI":
    return openai.OpenAI(base_url=f"{url}/v1", api_key="unused", timeout=120, max_retries=0)


def with_generator(assistant: Assistant, url: str, fallback: bool = True) -> Assistant:
    """Short answers from two passages: the tests check plumbing, on a slow machine."""
    config = Config(corpus=assistant.config.corpus, index_dir=assistant.config.index_dir, generator="llm", llm_url=url,
                    k=2, llm_max_tokens=48, fallback=fallback)
    return Assistant(config, assistant.store, assistant.embedder)


@pytest.fixture(scope="module")
def rag_url(assistant):
    with running(create_app(assistant)) as url:
        yield url


def test_models_lists_rag(rag_url):
    assert [m.id for m in client_for(rag_url).models.list()] == ["rag"]


def test_completion_carries_the_answer_its_markers_and_sources(rag_url, assistant):
    completion = client_for(rag_url).chat.completions.create(model="rag", messages=[{"role": "user", "content": EXAMPLE}])
    text = completion.choices[0].message.content
    expected = assistant.ask(EXAMPLE)
    assert text.startswith(expected.answer) and "310 billion" in text
    assert "\n\nSources:\n[1] " in text and expected.citations[0].source in text
    assert completion.choices[0].finish_reason == "stop" and completion.model == "rag"
    [citation] = completion.model_extra["citations"]
    assert citation["n"] == 1 and "310 billion" in citation["text"][citation["start"]:citation["end"]]


def test_streamed_completion_is_the_same_text_in_pieces(rag_url):
    client = client_for(rag_url)
    messages = [{"role": "user", "content": EXAMPLE}]
    whole = client.chat.completions.create(model="rag", messages=messages).choices[0].message.content
    chunks = list(client.chat.completions.create(model="rag", messages=messages, stream=True))
    pieces = [c.choices[0].delta.content for c in chunks if c.choices[0].delta.content]
    assert len(pieces) > 5 and "".join(pieces) == whole
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop" and chunks[-1].model_extra["citations"][0]["n"] == 1


def test_earlier_messages_complete_a_follow_up(rag_url):
    messages = [{"role": "system", "content": "You are helpful."},
                {"role": "user", "content": EXAMPLE},
                {"role": "assistant", "content": "310 billion RMB [1]"},
                {"role": "user", "content": [{"type": "text", "text": "And what about the GDP target?"}]}]
    text = client_for(rag_url).chat.completions.create(model="rag", messages=messages).choices[0].message.content
    assert "2 trillion" in text  # "the GDP target" of Xi'an by 2030, from the question before


def test_bad_requests_are_client_errors(rag_url):
    client = client_for(rag_url)
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="rag", messages=[{"role": "system", "content": "no question"}])
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="rag", messages=[{"role": "user", "content": "  "}])
    response = httpx.post(f"{rag_url}/v1/chat/completions", json={"messages": []})
    assert response.status_code == 422 and "Traceback" not in response.text
    assert "messages" in response.json()["error"]["message"]  # the OpenAI shape, which its clients show


def test_llm_answers_through_the_openai_api(assistant, tmp_path):
    llama = LlamaServer(require_llama(), tmp_path / "llama.log")
    try:
        with running(create_app(with_generator(assistant, llama.url))) as url:
            client = client_for(url)
            messages = [{"role": "user", "content": EXAMPLE}]
            chunks = list(client.chat.completions.create(model="rag", messages=messages, stream=True))
            text = "".join(c.choices[0].delta.content or "" for c in chunks)
            assert len(chunks) > 5 and ("Sources:" in text or "Closest passages:" in text)
            assert "citations" in chunks[-1].model_extra
            whole = client.chat.completions.create(model="rag", messages=messages)
            assert whole.choices[0].message.content and "citations" in whole.model_extra
    finally:
        llama.stop()


def test_client_hanging_up_cancels_the_upstream_request(assistant):
    slow = ScriptedServer(" ".join(["word"] * 200), delay=0.2)
    try:
        with running(create_app(with_generator(assistant, slow.base("slow")))) as url:
            stream = client_for(url).chat.completions.create(
                model="rag", messages=[{"role": "user", "content": EXAMPLE}], stream=True)
            for chunk in stream:
                if chunk.choices[0].delta.content:
                    break
            stream.close()
            assert slow.hung_up.wait(10), "rag kept reading from the LLM after its client left"
    finally:
        slow.stop()


def test_llm_failure_is_marked_in_the_reply_or_is_an_api_error(assistant):
    broken = ScriptedServer("unused")
    messages = [{"role": "user", "content": EXAMPLE}]
    try:
        with running(create_app(with_generator(assistant, broken.base("http500")))) as url:
            client = client_for(url)
            whole = client.chat.completions.create(model="rag", messages=messages)
            text = whole.choices[0].message.content
            assert text.startswith("(the LLM server at ") and "HTTP 500: model crashed; the extractive answer follows)" in text
            assert "310 billion" in text and "HTTP 500" in whole.model_extra["fallback"]
            chunks = list(client.chat.completions.create(model="rag", messages=messages, stream=True))
            streamed = "".join(c.choices[0].delta.content or "" for c in chunks)
            assert "the extractive answer follows" in streamed and "310 billion" in streamed
            assert "HTTP 500" in chunks[-1].model_extra["fallback"]
        with running(create_app(with_generator(assistant, broken.base("http500"), fallback=False))) as url:
            client = client_for(url)
            with pytest.raises(openai.APIStatusError, match="HTTP 500: model crashed") as caught:
                client.chat.completions.create(model="rag", messages=messages)
            assert caught.value.status_code == 502 and "Traceback" not in caught.value.response.text
            with pytest.raises(openai.APIError, match="HTTP 500: model crashed"):
                list(client.chat.completions.create(model="rag", messages=messages, stream=True))
    finally:
        broken.stop()

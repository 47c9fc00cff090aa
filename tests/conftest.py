import shutil
import uuid
from pathlib import Path

import pytest

from rag import Assistant, Config
from rag.embed import Embedder

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder()


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory) -> Path:
    """An index of the bundled corpus, built once for the session with the real model."""
    index_dir = tmp_path_factory.mktemp("index")
    Assistant.open(index_dir=index_dir, corpus=CORPUS)
    return index_dir


@pytest.fixture(scope="session")
def assistant(corpus_index) -> Assistant:
    return Assistant.open(index_dir=corpus_index, corpus=CORPUS)


@pytest.fixture
def small_corpus(tmp_path) -> Path:
    """A private copy of two bundled documents, for tests that change files."""
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("001_e0bc9c2f253517cb.txt", "004_980d9e528abab5f1.txt"):
        shutil.copy(CORPUS / name, folder / name)
    return folder


def config_for(corpus: Path, index_dir: Path) -> Config:
    return Config(corpus=corpus, index_dir=index_dir)


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory):
    """A real PostgreSQL with pgvector (the pgserver wheel), listening on a unix socket in a temp dir."""
    import pgserver

    server = pgserver.get_server(tmp_path_factory.mktemp("pg"), cleanup_mode="stop")
    yield server
    server.cleanup()


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """The URL of a new, empty database on the test server."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    postgres_server.psql(f"CREATE DATABASE {name};")
    return postgres_server.get_uri(name)


# `pytest -m "not slow"` is the quick loop: it leaves out every test that loads the real model (through
# these fixtures) and the modules marked slow themselves (subprocesses, a browser, a server under load).
# The last three are module fixtures that index a small corpus with the real model (test_generality,
# test_translate, test_llm).
_MODEL_FIXTURES = {"embedder", "corpus_index", "assistant", "onnx_embedder", "notes", "mixed_assistant", "injected"}


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if _MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


# The browser tests' shared fixtures: one Chromium per module, a fresh page per test on the module's `server`.
@pytest.fixture(scope="module")
def browser():
    from browsing import launch, sync_api

    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    from browsing import Page

    page = Page(browser, server.url)
    yield page
    page.close()

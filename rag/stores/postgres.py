"""The PostgreSQL store: chunks, vectors (pgvector, HNSW) and keyword statistics in one database.

    rag ask --store postgresql://user@host/db "…"        (or RAG_STORE=postgresql://…)

Tables (in the connection's schema, or in `?schema=NAME`; give each index its own database or schema):
    rag_state     one row: chunk count, total length (for BM25), a version bumped by every change, the
                  manifest (roots, settings, model, skipped files)
    rag_files     one row a document: content hash, signature
    rag_chunks    one row a chunk: its fields, embedding vector(dim) with an HNSW index, sentence vectors
    rag_postings  BM25 postings: term, chunk, term frequency, chunk length
    rag_terms     one row a term: document frequency, and the largest tf and smallest chunk length of its
                  postings (the bound of its BM25 weight that lets a search skip most postings)
Every document is written in one transaction (old rows out, new rows in, counts and version bumped), so a
build that dies leaves each file either as it was or as it is now, never half. Processes on other machines
see the change at their next `refresh()` (the server's next question) through the version.

Keyword ranking is BM25 with the local store's terms, formula and constants, so both stores rank alike;
`?keyword=fts` in the URL ranks with PostgreSQL's own full-text search (ts_rank_cd over an English
tsvector) instead, which the eval scores lower (README).
"""
from __future__ import annotations

import re
from collections import Counter
from contextlib import contextmanager
from typing import Iterable, Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np

from ..chunk import Chunk
from ..errors import RagError
from ..text import terms
from .base import IndexMissing, Store, StoredChunk, Writer
from .bm25 import B, K1, idf
from .dense import EXACT_LIMIT

EF_SEARCH = 100  # HNSW candidates per search (pgvector's default is 40, fewer than the retriever's 50)
_LOCK = 7_262_817  # the advisory lock a writer holds
# A term's postings as three packed big-endian arrays: numpy reads them as they come, where psycopg would
# make a Python number of every value of an array_agg (twice as slow at 30,000 postings).
_POSTINGS = ("SELECT string_agg(int8send(chunk), ''), string_agg(float4send(tf), ''), string_agg(float4send(length), '') "
             "FROM rag_postings WHERE term = %s")
_LOOKUP_COST = 10  # a posting looked up by chunk costs about as much as ten read in a row (2 µs against 0.15-0.25 µs)


class StoreUnavailable(RagError):
    pass


def _connect(url: str, schema: str):
    try:
        import psycopg
        from pgvector.psycopg import register_vector
    except ImportError:
        raise StoreUnavailable("the PostgreSQL store needs psycopg and pgvector: pip install 'rag[postgres]'") from None
    try:
        conn = psycopg.connect(url, autocommit=True)
    except psycopg.Error as exc:
        raise StoreUnavailable(f"cannot connect to PostgreSQL: {str(exc).strip().splitlines()[0]}") from None
    conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    if schema:  # its own tables; the vector type stays visible through the usual search path
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        conn.execute(f"SET search_path TO {schema}, public")
    register_vector(conn)
    return conn


class PostgresStore(Store):
    def __init__(self, url: str, create: bool = False) -> None:
        parts = urlsplit(url)
        options = dict(parse_qsl(parts.query))
        self.keyword = options.pop("keyword", "bm25")
        if self.keyword not in ("bm25", "fts"):
            raise RagError(f"keyword={self.keyword} in the store URL: use bm25 or fts")
        schema = options.pop("schema", "")
        if schema and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema):
            raise RagError(f"schema={schema} in the store URL: use lower-case letters, digits and _")
        self.url = urlunsplit(parts._replace(query=urlencode(options)))
        self.conn = _connect(self.url, schema)
        self._version = ""
        self.manifest = {"files": {}, "skipped": {}}
        self._count = 0
        if not self._load() and not create:
            raise IndexMissing("no index in this database yet (run: rag index --store URL)")

    def _load(self) -> bool:
        """Read the state row and the manifest; False when the tables do not exist yet."""
        state, keyword = self.conn.execute("SELECT to_regclass('rag_state') IS NOT NULL, "
                                           "to_regclass('rag_terms') IS NOT NULL").fetchone()
        if not state:
            return False
        if not keyword:
            with self.conn.transaction():
                self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))  # not while a build writes
                if not self.conn.execute("SELECT to_regclass('rag_terms') IS NOT NULL").fetchone()[0]:
                    self.conn.execute(_UPGRADE)
        state = self.conn.execute("SELECT version, chunks, manifest FROM rag_state").fetchone()
        files = self.conn.execute("SELECT doc_id, sha256, signature, chunks FROM rag_files ORDER BY doc_id").fetchall()
        self._version, self._count = str(state[0]), int(state[1])
        self.manifest = {**state[2], "files": {d: {"sha256": h, "signature": s, "chunks": n} for d, h, s, n in files}}
        return True

    @property
    def version(self) -> str:
        return self._version

    def __len__(self) -> int:
        return self._count

    def refresh(self) -> bool:
        row = self.conn.execute("SELECT version FROM rag_state").fetchone() if self._version else None
        if row is None or str(row[0]) == self._version:
            return False
        self._load()
        return True

    def dense_search(self, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        if not self._count:
            return []
        query = np.asarray(vector, dtype=np.float32)
        # Exact up to EXACT_LIMIT chunks, as in the local store; HNSW above it.
        with self.conn.transaction():
            self.conn.execute(f"SET LOCAL hnsw.ef_search = {max(EF_SEARCH, n)}")
            exact = self._count <= EXACT_LIMIT
            self.conn.execute(f"SET LOCAL enable_indexscan = {'off' if exact else 'on'}")
            # Ties go to the earlier chunk, as in the local store; HNSW can only order by the distance.
            order = "embedding <#> %s, id" if exact else "embedding <#> %s"
            rows = self.conn.execute(f"SELECT chunk_id, -(embedding <#> %s) FROM rag_chunks ORDER BY {order} LIMIT %s",
                                     (query, query, n)).fetchall()
        return [(i, float(s)) for i, s in rows]

    def keyword_search(self, query: str, n: int) -> list[tuple[str, float]]:
        if not self._count:
            return []
        if self.keyword == "fts":
            rows = self.conn.execute(
                "WITH q AS (SELECT string_agg(quote_literal(l), ' | ')::tsquery AS q "
                "FROM unnest(tsvector_to_array(to_tsvector('english', %s))) l) "
                "SELECT chunk_id, ts_rank_cd(tsv, q.q) AS score FROM rag_chunks, q WHERE tsv @@ q.q "
                "ORDER BY score DESC, id LIMIT %s", (query, n)).fetchall()
            return [(i, float(s)) for i, s in rows]
        return self._bm25(list(set(terms(query))), n)

    def _bm25(self, words: list[str], n: int) -> list[tuple[str, float]]:
        """The n best chunks by BM25, exactly, without reading every posting of the frequent terms (MaxScore,
        Turtle and Flood 1995). Terms are read rarest first, each posting adding its weight to its chunk's
        score. Once the most the unread terms could still add (`rest`: each term's bound, from its largest
        tf and smallest chunk length) is below the n-th best score so far, no chunk outside the ones scored
        can reach the top n, and of those only the ones within `rest` of it are kept and completed, their
        postings of the next term looked up by chunk when that is cheaper than reading all the term's.
        Nothing stored depends on the chunk count or the average length, which every document written
        changes: idf and length normalisation are computed here, from the counts of the same snapshot."""
        conn = self.conn
        with conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")  # statistics and postings of one commit
            count, total = conn.execute("SELECT chunks, total_length FROM rag_state").fetchone()
            stats = conn.execute("SELECT term, df, max_tf, min_length FROM rag_terms WHERE term = ANY(%s) AND df > 0 "
                                 "ORDER BY df, term", (words,)).fetchall()
            avg = total / max(count, 1)
            weights = [idf(df, count) * (K1 + 1) for _, df, _, _ in stats]
            bounds = [w * _saturation(tf, length, avg) for w, (_, _, tf, length) in zip(weights, stats)]
            ids, scores, pruned = np.zeros(0, dtype=np.int64), np.zeros(0), False
            for read, ((term, df, _, _), weight) in enumerate(zip(stats, weights), 1):
                if pruned and len(ids) * _LOOKUP_COST < df:
                    found = conn.execute(_POSTINGS + " AND chunk = ANY(%s)", (term, ids.tolist()), binary=True).fetchone()
                else:
                    found = conn.execute(_POSTINGS, (term,), binary=True).fetchone()
                chunks, tfs, lengths = (np.frombuffer(column or b"", dtype=kind)
                                        for column, kind in zip(found, (">i8", ">f4", ">f4")))
                if pruned:  # a chunk not kept cannot reach the top n any more
                    inside = np.isin(chunks, ids)
                    chunks, tfs, lengths = chunks[inside], tfs[inside], lengths[inside]
                more = weight * _saturation(tfs.astype(np.float64), lengths.astype(np.float64), avg)
                ids, where = np.unique(np.concatenate([ids, chunks]), return_inverse=True)
                scores = np.bincount(where, weights=np.concatenate([scores, more]), minlength=len(ids))
                rest = sum(bounds[read:])
                best = np.partition(scores, len(scores) - n)[len(scores) - n] if len(scores) >= n > 0 else 0.0
                if rest < best:
                    pruned, keep = True, scores + rest >= best
                    ids, scores = ids[keep], scores[keep]
            top = np.lexsort((ids, -scores))[:n]  # equal scores in chunk order
            names = dict(conn.execute("SELECT id, chunk_id FROM rag_chunks WHERE id = ANY(%s)",
                                      (ids[top].tolist(),)).fetchall())
        return [(names[i], float(s)) for i, s in zip(ids[top].tolist(), scores[top]) if s > 0]

    def document_frequency(self, terms: Iterable[str]) -> dict[str, int]:
        wanted = list(dict.fromkeys(terms))
        found = dict(self.conn.execute("SELECT term, df FROM rag_terms WHERE term = ANY(%s)",
                                       (wanted,)).fetchall()) if self._count else {}
        return {t: int(found.get(t, 0)) for t in wanted}

    _COLUMNS = "chunk_id, doc_id, title, heading, text, start_offset, end_offset, spans, tokens, llm_tokens, embedding, sentence_vectors"

    def fetch(self, chunk_ids: list[str]) -> list[StoredChunk | None]:
        if not self._version:
            return [None] * len(chunk_ids)
        rows = self.conn.execute(f"SELECT {self._COLUMNS} FROM rag_chunks WHERE chunk_id = ANY(%s)", (chunk_ids,),
                                 binary=True).fetchall()
        found = {row[0]: _stored(row) for row in rows}
        return [found.get(i) for i in chunk_ids]

    def chunks_of(self, doc_id: str) -> list[StoredChunk]:
        if not self._version:
            return []
        rows = self.conn.execute(f"SELECT {self._COLUMNS} FROM rag_chunks WHERE doc_id = %s ORDER BY id", (doc_id,),
                                 binary=True).fetchall()
        return [_stored(row) for row in rows]

    def texts_matching(self, pattern: re.Pattern) -> Iterator[str]:
        """PostgreSQL's regular expressions narrow the chunks down (its \\y is Python's \\b); Python's
        pattern then decides, so the matches are exactly the local store's."""
        if not self._count:
            return iter(())
        rows = self.conn.execute("SELECT text FROM rag_chunks WHERE text ~* %s ORDER BY id",
                                 (pattern.pattern.replace(r"\b", r"\y"),)).fetchall()
        return (text for (text,) in rows if pattern.search(text))

    @contextmanager
    def writer(self, log=lambda message: None) -> Iterator[Writer]:
        if not self.conn.execute("SELECT pg_try_advisory_lock(%s)", (_LOCK,)).fetchone()[0]:
            log("Another rag index is writing to this database; waiting for it to finish…")
            self.conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK,))
        try:
            self._load()
            yield _PostgresWriter(self)
        finally:
            self.conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK,))
        self._load()

    def close(self) -> None:
        self.conn.close()


def _saturation(tf, length, avg: float):
    """BM25's term-frequency part, tf / (tf + k1 * (1 - b + b * length / avg)), of a posting or an array of them."""
    return tf / (tf + K1 * (1 - B + B * length / avg))


def _stored(row) -> StoredChunk:
    chunk_id, doc_id, title, heading, text, start, end, spans, tokens, llm_tokens, embedding, sentence_vectors = row
    vector = embedding.to_numpy().astype(np.float32)
    chunk = Chunk(chunk_id, doc_id, title, heading, text, start, end,
                  [(spans[i], spans[i + 1]) for i in range(0, len(spans), 2)], tokens, llm_tokens)
    return StoredChunk(chunk, vector, np.frombuffer(sentence_vectors, dtype=np.float32).reshape(-1, len(vector)))


# The writer removes a chunk's postings itself (no foreign key: checking one made loading postings 9x slower).
# (term, chunk) serves both a term's postings and the lookup of a few chunks' ones.
_KEYWORD_TABLES = """
CREATE TABLE IF NOT EXISTS rag_postings (term text NOT NULL, chunk bigint NOT NULL, tf real NOT NULL, length real NOT NULL);
CREATE INDEX IF NOT EXISTS rag_postings_term_chunk ON rag_postings (term, chunk) INCLUDE (tf, length);
CREATE INDEX IF NOT EXISTS rag_postings_chunk ON rag_postings (chunk);
CREATE TABLE IF NOT EXISTS rag_terms (term text PRIMARY KEY, df integer NOT NULL, max_tf real NOT NULL,
    min_length real NOT NULL);
"""
# An index written before rag_terms existed: the new keyword tables, and the terms' statistics from its postings.
_UPGRADE = """
ALTER TABLE rag_postings DROP CONSTRAINT IF EXISTS rag_postings_chunk_fkey;
DROP INDEX IF EXISTS rag_postings_term;
""" + _KEYWORD_TABLES + """
INSERT INTO rag_terms SELECT term, count(*), max(tf), min(length) FROM rag_postings GROUP BY term;
"""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS rag_state (
    one boolean PRIMARY KEY DEFAULT true CHECK (one), version bigint NOT NULL, chunks bigint NOT NULL,
    total_length bigint NOT NULL, manifest jsonb NOT NULL);
INSERT INTO rag_state VALUES (true, 0, 0, 0, '{{}}') ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS rag_files (doc_id text PRIMARY KEY, sha256 text NOT NULL, signature jsonb NOT NULL,
    chunks integer NOT NULL);
CREATE TABLE IF NOT EXISTS rag_chunks (
    id bigserial PRIMARY KEY, chunk_id text NOT NULL UNIQUE,
    doc_id text NOT NULL REFERENCES rag_files ON DELETE CASCADE,
    title text NOT NULL, heading text NOT NULL, text text NOT NULL, start_offset integer NOT NULL,
    end_offset integer NOT NULL, spans integer[] NOT NULL, tokens integer NOT NULL, llm_tokens integer NOT NULL,
    length integer NOT NULL, embedding vector({dim}) NOT NULL, sentence_vectors bytea NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', title || ' ' || heading || ' ' || text)) STORED);
-- Vectors stay in the row (not in TOAST), so an exact scan reads them without a lookup per row.
ALTER TABLE rag_chunks ALTER COLUMN embedding SET STORAGE PLAIN;
CREATE INDEX IF NOT EXISTS rag_chunks_doc ON rag_chunks (doc_id);
CREATE INDEX IF NOT EXISTS rag_chunks_tsv ON rag_chunks USING gin (tsv);
""" + _KEYWORD_TABLES


class _PostgresWriter(Writer):
    """Writes each document in its own transaction, at once."""

    def __init__(self, store: PostgresStore) -> None:
        self.store, self.conn = store, store.conn

    def _schema(self, dim: int) -> None:
        with self.conn.transaction():
            self.conn.execute(_SCHEMA.format(dim=int(dim)))

    def add(self, doc_id: str, record: dict, chunks: list[StoredChunk]) -> None:
        from psycopg.types.json import Jsonb

        if chunks:
            self._schema(len(chunks[0].vector))
        conn = self.conn
        with conn.transaction():
            self._remove(doc_id)
            conn.execute("INSERT INTO rag_files VALUES (%s, %s, %s, %s)",
                         (doc_id, record["sha256"], Jsonb(record["signature"]), len(chunks)))
            ids = [r[0] for r in conn.execute("SELECT nextval('rag_chunks_id_seq') FROM generate_series(1, %s)",
                                              (len(chunks),)).fetchall()]
            counts = [Counter(terms(s.chunk.embedding_text)) for s in chunks]
            lengths = [sum(c.values()) for c in counts]
            with conn.cursor() as cur:
                with cur.copy("COPY rag_chunks (id, chunk_id, doc_id, title, heading, text, start_offset, end_offset, "
                              "spans, tokens, llm_tokens, length, embedding, sentence_vectors) FROM STDIN WITH (FORMAT BINARY)") as copy:
                    copy.set_types(["int8", "text", "text", "text", "text", "text", "int4", "int4", "int4[]", "int4",
                                    "int4", "int4", "vector", "bytea"])
                    for id_, s, length in zip(ids, chunks, lengths):
                        c = s.chunk
                        copy.write_row([id_, c.chunk_id, doc_id, c.title, c.heading, c.text, c.start, c.end,
                                        [x for span in c.sentences for x in span], c.tokens, c.llm_tokens, length,
                                        np.asarray(s.vector, dtype=np.float32),
                                        np.ascontiguousarray(s.sentences, dtype=np.float32).tobytes()])
                with cur.copy("COPY rag_postings (term, chunk, tf, length) FROM STDIN WITH (FORMAT BINARY)") as copy:
                    copy.set_types(["text", "int8", "float4", "float4"])
                    for id_, term_counts, length in zip(ids, counts, lengths):
                        for term, tf in term_counts.items():
                            copy.write_row([term, id_, tf, length])
            conn.execute("INSERT INTO rag_terms SELECT term, count(*), max(tf), min(length) FROM rag_postings "
                         "WHERE chunk = ANY(%s) GROUP BY term ON CONFLICT (term) DO UPDATE SET df = rag_terms.df + excluded.df, "
                         "max_tf = greatest(rag_terms.max_tf, excluded.max_tf), "
                         "min_length = least(rag_terms.min_length, excluded.min_length)", (ids,))
            conn.execute("UPDATE rag_state SET version = version + 1, chunks = chunks + %s, total_length = total_length + %s",
                         (len(chunks), sum(lengths)))

    def delete(self, doc_id: str) -> None:
        with self.conn.transaction():
            self._remove(doc_id)
            self.conn.execute("UPDATE rag_state SET version = version + 1")

    def _remove(self, doc_id: str) -> None:
        if not self.store._version and not self.conn.execute("SELECT to_regclass('rag_files') IS NOT NULL").fetchone()[0]:
            return
        gone = self.conn.execute("SELECT count(*), coalesce(sum(length), 0) FROM rag_chunks WHERE doc_id = %s",
                                 (doc_id,)).fetchone()
        # The largest tf and smallest length of a term stay as they were: still bounds of its postings' weights.
        self.conn.execute("WITH gone AS (DELETE FROM rag_postings WHERE chunk IN (SELECT id FROM rag_chunks WHERE doc_id = %s) "
                          "RETURNING term) UPDATE rag_terms SET df = df - gone.n "
                          "FROM (SELECT term, count(*) AS n FROM gone GROUP BY term) gone WHERE rag_terms.term = gone.term",
                          (doc_id,))
        self.conn.execute("DELETE FROM rag_files WHERE doc_id = %s", (doc_id,))
        self.conn.execute("UPDATE rag_state SET chunks = chunks - %s, total_length = total_length - %s", gone)

    def finish(self, manifest: dict) -> None:
        from psycopg.types.json import Jsonb

        self._schema(manifest["model"]["dim"])
        with self.conn.transaction():
            # HNSW is built once over what the first build loaded (much faster than growing it row by row),
            # then kept up to date by PostgreSQL as documents change. With room for the graph in memory (about
            # a vector and its neighbour lists a chunk) it took 43 s at 100k chunks instead of 176 s.
            chunks = self.conn.execute("SELECT chunks FROM rag_state").fetchone()[0]
            graph_mb = chunks * (4 * manifest["model"]["dim"] + 600) * 5 // 4 >> 20
            self.conn.execute(f"SET LOCAL maintenance_work_mem = '{max(64, graph_mb)}MB'")
            self.conn.execute("CREATE INDEX IF NOT EXISTS rag_chunks_hnsw ON rag_chunks USING hnsw (embedding vector_ip_ops)")
            self.conn.execute("UPDATE rag_state SET manifest = %s, version = version + "
                              "(CASE WHEN manifest = %s THEN 0 ELSE 1 END)",
                              (Jsonb({k: v for k, v in manifest.items() if k != "files"}),) * 2)
        # Fresh statistics for the planner, and a visibility map so keyword search scans the index only.
        self.conn.execute("VACUUM (ANALYZE) rag_chunks, rag_postings")

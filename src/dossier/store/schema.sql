-- Dossier store, current schema (version in store/connection.py, whose `migrate` brings
-- older stores here). Every fact row references an evidence span.
--
-- Keys and indexes: none on the tables that grow with the corpus (documents and every table
-- with rows per document). DuckDB keeps a key's whole index in memory, outside its
-- evictable buffer pool, once rows with random keys (content hashes) are inserted: with
-- keys on documents and the per-fact tables the build's memory grew ~4.5 KiB per document
-- until it ran out of its cap (at ~38,000 documents under the defaults). DuckDB 1.5 looks
-- up a batch's ids with hash joins that scan the column anyway, so the keys only guarded
-- uniqueness. The writer guarantees it: it is the store's only writer, stores a doc_id once
-- (checked against the store in the batch's transaction), and every other id starts with,
-- or hashes, its document's doc_id. Small tables (entities, site lines, state) keep keys.

CREATE TABLE IF NOT EXISTS schema_version (
    version     INTEGER NOT NULL,
    applied_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- One row per input document version. doc_id = SHA-256 of the raw bytes (for an input
-- that could not be read at all: SHA-256 of "missing:" || source).
CREATE TABLE IF NOT EXISTS documents (
    doc_id              VARCHAR NOT NULL,      -- unique: the writer stores a doc_id once
    source              VARCHAR NOT NULL,      -- path or URL, "#line=N" / "#record=N" for members
    name                VARCHAR NOT NULL,      -- the article file name
    version             INTEGER NOT NULL DEFAULT 1,  -- per source: a changed file is a new version
    supersedes          VARCHAR,               -- doc_id of the previous version of this source
    status              VARCHAR NOT NULL,      -- ok | failed | skipped
    stage               VARCHAR,               -- stage that failed or skipped it
    error_class         VARCHAR,
    error_message       VARCHAR,
    media_type          VARCHAR,
    encoding            VARCHAR,
    byte_size           BIGINT,
    url                 VARCHAR,
    raw                 VARCHAR,               -- decoded input: evidence offsets index into it
    body                VARCHAR,
    title               VARCHAR,
    outlet              VARCHAR,
    site_name           VARCHAR,
    wire                VARCHAR,
    authors             VARCHAR[],
    credits             VARCHAR[],
    language            VARCHAR,
    published_date      DATE,
    published_precision VARCHAR,
    published_basis     VARCHAR,
    boilerplate         VARCHAR[],
    ingested_at         TIMESTAMP NOT NULL DEFAULT current_timestamp,
    hints               VARCHAR                -- JSON object: metadata a container carried (JSONL fields, WARC headers)
);

-- The newest version of every source (older versions are kept in `documents`).
CREATE OR REPLACE VIEW current_documents AS
SELECT d.* FROM documents d
WHERE NOT EXISTS (SELECT 1 FROM documents n WHERE n.supersedes = d.doc_id);

-- Every failure of every build, including inputs that never became a document row twice.
CREATE TABLE IF NOT EXISTS failures (
    source        VARCHAR NOT NULL,
    name          VARCHAR NOT NULL,
    doc_id        VARCHAR,
    stage         VARCHAR NOT NULL,
    status        VARCHAR NOT NULL,            -- failed | skipped
    error_class   VARCHAR NOT NULL,
    message       VARCHAR NOT NULL,
    failed_at     TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Verbatim spans: body[body_start:body_end] = text; raw[start:end] covers it.
CREATE TABLE IF NOT EXISTS evidence (
    evidence_id VARCHAR NOT NULL,
    doc_id      VARCHAR NOT NULL,
    start       INTEGER NOT NULL,
    "end"       INTEGER NOT NULL,
    body_start  INTEGER NOT NULL,
    body_end    INTEGER NOT NULL,
    text        VARCHAR NOT NULL
);

-- Canonical entities across all documents (stable ids; see entity_merges).
CREATE TABLE IF NOT EXISTS entities (
    entity_id   VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    type        VARCHAR NOT NULL,
    country     VARCHAR,
    sector      VARCHAR,
    roles       VARCHAR[],
    dictionary_id VARCHAR,
    merged_into VARCHAR                       -- set when merged; the row is kept so a merge can be undone
);

CREATE TABLE IF NOT EXISTS entity_aliases (
    entity_id   VARCHAR NOT NULL,
    alias       VARCHAR NOT NULL,
    norm        VARCHAR NOT NULL,
    doc_id      VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS entity_merges (
    merge_id    VARCHAR PRIMARY KEY,
    from_id     VARCHAR NOT NULL,
    into_id     VARCHAR NOT NULL,
    reason      VARCHAR NOT NULL,             -- rule that merged them, e.g. "fuzzy-name 93.5"
    score       DOUBLE,
    undone      BOOLEAN NOT NULL DEFAULT false,
    merged_at   TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- An entity as it appears in one document (the per-article entity list).
CREATE TABLE IF NOT EXISTS doc_entities (
    doc_entity_id VARCHAR NOT NULL,        -- doc_id || ':' || key
    doc_id      VARCHAR NOT NULL,
    key         VARCHAR NOT NULL,
    entity_id   VARCHAR,                      -- canonical entity
    name        VARCHAR NOT NULL,
    type        VARCHAR NOT NULL,
    country     VARCHAR,
    sector      VARCHAR,
    aliases     VARCHAR[],
    roles       VARCHAR[],
    dictionary_id VARCHAR
);

CREATE TABLE IF NOT EXISTS mentions (
    doc_id        VARCHAR NOT NULL,
    doc_entity_id VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,
    evidence_id   VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS events (
    event_id    VARCHAR NOT NULL,          -- doc_id || ':ev' || ordinal
    doc_id      VARCHAR NOT NULL,
    type        VARCHAR NOT NULL,
    mode        VARCHAR,
    date        DATE,
    precision   VARCHAR NOT NULL,
    place       VARCHAR,
    negated     BOOLEAN NOT NULL,
    source      VARCHAR,
    trigger     VARCHAR,
    pattern     VARCHAR,
    date_rule   VARCHAR,
    evidence_id VARCHAR NOT NULL              -- main evidence sentence
);

CREATE TABLE IF NOT EXISTS event_participants (
    event_id      VARCHAR NOT NULL,
    role          VARCHAR NOT NULL,           -- actor | target
    position      INTEGER NOT NULL,
    name          VARCHAR NOT NULL,
    doc_entity_id VARCHAR,                    -- null for free-text participants
    entity_id     VARCHAR
);

CREATE TABLE IF NOT EXISTS event_evidence (
    event_id    VARCHAR NOT NULL,
    position    INTEGER NOT NULL,
    evidence_id VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS figures (
    figure_id   VARCHAR NOT NULL,
    doc_id      VARCHAR NOT NULL,
    value       DOUBLE NOT NULL,
    qualifier   VARCHAR,
    unit        VARCHAR,
    category    VARCHAR NOT NULL,
    subject     VARCHAR,
    source      VARCHAR,
    as_of       DATE,
    as_of_precision VARCHAR NOT NULL,
    surface     VARCHAR,
    evidence_id VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS quotes (
    quote_id    VARCHAR NOT NULL,
    doc_id      VARCHAR NOT NULL,
    speaker     VARCHAR NOT NULL,
    speaker_doc_entity_id VARCHAR,
    speaker_entity_id VARCHAR,
    target      VARCHAR,
    target_doc_entity_id VARCHAR,
    target_entity_id VARCHAR,
    stance      VARCHAR NOT NULL,
    text        VARCHAR NOT NULL,
    direct      BOOLEAN NOT NULL,
    evidence_id VARCHAR NOT NULL
);

-- Dated expressions of each document, resolved against its date (how event dates were found).
CREATE TABLE IF NOT EXISTS timexes (
    timex_id    VARCHAR NOT NULL,          -- doc_id || ':t' || ordinal
    doc_id      VARCHAR NOT NULL,
    text        VARCHAR NOT NULL,
    date        DATE,
    precision   VARCHAR NOT NULL,
    rule        VARCHAR,
    evidence_id VARCHAR NOT NULL
);

-- Lines seen in many documents of one site: learnt boilerplate, reused by the clean stage.
CREATE TABLE IF NOT EXISTS site_lines (
    site        VARCHAR NOT NULL,
    line_norm   VARCHAR NOT NULL,
    doc_count   INTEGER NOT NULL,
    stories     UBIGINT[],          -- distinct story keys (title hashes) of those documents, at most 16
    PRIMARY KEY (site, line_norm)
);

-- Small flags the build driver keeps between runs (e.g. fuse_stale = 'true' after a write).
CREATE TABLE IF NOT EXISTS store_state (
    key         VARCHAR PRIMARY KEY,
    value       VARCHAR NOT NULL
);

-- One row per `dossier build` run that finished.
CREATE TABLE IF NOT EXISTS builds (
    build_id    VARCHAR PRIMARY KEY,
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    inputs      VARCHAR[],
    documents_ok      INTEGER NOT NULL,
    documents_failed  INTEGER NOT NULL,
    documents_skipped INTEGER NOT NULL,
    documents_unchanged INTEGER NOT NULL,
    seconds     DOUBLE NOT NULL
);

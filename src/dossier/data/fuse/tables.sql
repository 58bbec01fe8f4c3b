-- Cross-source tables written by `dossier.fuse.refresh` (documented in docs/views.md).
-- Created once with IF NOT EXISTS (`ensure_tables` in fuse/refresh.py migrates older
-- layouts); a refresh updates their rows one batch of documents at a time, each batch in
-- one transaction.
-- Derived data only: drop them and rebuild with `dossier fuse --db FILE` at any time.
-- Keys as in store/schema.sql: tables with rows per document, event or figure have none
-- (their ids are unique by construction), so a refresh never holds an index that grows
-- with the corpus in memory.

CREATE TABLE IF NOT EXISTS fuse_state (
    fingerprint     VARCHAR NOT NULL,      -- hash of the inputs and fuse settings of the last refresh
    refreshed_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    seconds         DOUBLE NOT NULL,       -- wall time of that refresh
    n_documents     INTEGER NOT NULL,
    n_events        INTEGER NOT NULL,
    n_fused_events  INTEGER NOT NULL,
    config          VARCHAR NOT NULL,      -- hash of the fuse settings and logic version: a change recomputes all
    mode            VARCHAR NOT NULL       -- full | incremental
);

-- MinHash signature per document body (cache: a document is hashed once per parameter set).
CREATE TABLE IF NOT EXISTS doc_signatures (
    doc_id      VARCHAR NOT NULL,
    params      VARCHAR NOT NULL,          -- "num_perm/seed/shingle_words": a change re-hashes
    n_shingles  INTEGER NOT NULL,
    hashvalues  UBIGINT[] NOT NULL
);

-- LSH index of the signatures: one row per document and band (bucket = hash of the band's
-- values). Documents sharing a bucket are duplicate candidates; a new document is looked up
-- by a join on its buckets.
CREATE TABLE IF NOT EXISTS doc_lsh (
    doc_id      VARCHAR NOT NULL,
    band        SMALLINT NOT NULL,
    bucket      BIGINT NOT NULL
);

-- Fusion components (internal): one row per event and canonical participant; `comp` is the
-- component of events that could fuse (see fuse/events.py), re-clustered when touched.
CREATE TABLE IF NOT EXISTS fuse_event_keys (
    event_id    VARCHAR NOT NULL,
    doc_id      VARCHAR NOT NULL,
    comp        VARCHAR NOT NULL,
    type        VARCHAR NOT NULL,
    negated     BOOLEAN NOT NULL,
    ekey        VARCHAR,                   -- NULL: no canonical participant (a component alone)
    lo          DATE,
    hi          DATE,
    pub         DATE
);

-- Figure blocks (internal): category|unit class|scope of every figure; a block is regrouped
-- when one of its figures changes.
CREATE TABLE IF NOT EXISTS fuse_figure_keys (
    figure_id   VARCHAR NOT NULL,
    doc_id      VARCHAR NOT NULL,
    block       VARCHAR NOT NULL,
    countries   VARCHAR[] NOT NULL,  -- the countries it can be about (FigureRow.countries)
    words       VARCHAR[] NOT NULL   -- content words of its subject (FigureRow.words)
);

-- Canonical entity of every entity at the last refresh (internal): a changed merge or name
-- re-fuses the events of the entities it touches.
CREATE TABLE IF NOT EXISTS fuse_entity_canon (
    entity_id   VARCHAR PRIMARY KEY,
    canon_id    VARCHAR NOT NULL,
    name        VARCHAR NOT NULL,
    country     VARCHAR
);

CREATE TABLE IF NOT EXISTS doc_duplicates (
    doc_id      VARCHAR NOT NULL,          -- the copy
    copy_of     VARCHAR NOT NULL,          -- the original of its group (earliest published, then doc_id)
    similarity  DOUBLE NOT NULL,           -- estimated Jaccard similarity of word shingles
    method      VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS doc_sources (
    doc_id        VARCHAR NOT NULL,
    source_group  VARCHAR NOT NULL,        -- doc_id of the group's original; copies share it
    is_copy       BOOLEAN NOT NULL
);

CREATE TABLE IF NOT EXISTS fused_events (
    fused_event_id  VARCHAR NOT NULL,
    type            VARCHAR NOT NULL,
    mode            VARCHAR,
    date            DATE,
    precision       VARCHAR NOT NULL,
    date_start      DATE,
    date_end        DATE,
    place           VARCHAR,
    negated         BOOLEAN NOT NULL,
    actors          VARCHAR[] NOT NULL,
    actor_ids       VARCHAR[] NOT NULL,
    targets         VARCHAR[] NOT NULL,
    target_ids      VARCHAR[] NOT NULL,
    sources         VARCHAR[] NOT NULL,
    n_mentions      INTEGER NOT NULL,
    n_documents     INTEGER NOT NULL,
    n_sources       INTEGER NOT NULL,
    documents       VARCHAR[] NOT NULL,
    doc_ids         VARCHAR[] NOT NULL,
    outlets         VARCHAR[] NOT NULL,
    first_reported  DATE,
    first_doc_id    VARCHAR NOT NULL,
    evidence        VARCHAR[] NOT NULL,
    evidence_ids    VARCHAR[] NOT NULL,
    quad_class      VARCHAR NOT NULL,
    weight          DOUBLE NOT NULL
);

CREATE TABLE IF NOT EXISTS fused_event_members (
    fused_event_id  VARCHAR NOT NULL,
    event_id        VARCHAR NOT NULL,
    doc_id          VARCHAR NOT NULL,
    document        VARCHAR NOT NULL,
    outlet          VARCHAR,
    published_date  DATE,
    date            DATE,
    precision       VARCHAR NOT NULL,
    negated         BOOLEAN NOT NULL,
    evidence_id     VARCHAR NOT NULL,
    evidence        VARCHAR NOT NULL,
    is_copy         BOOLEAN NOT NULL
);

CREATE TABLE IF NOT EXISTS fused_event_participants (
    fused_event_id  VARCHAR NOT NULL,
    role            VARCHAR NOT NULL,      -- actor | target
    position        INTEGER NOT NULL,
    entity_key      VARCHAR NOT NULL,      -- canonical entity_id, or "text:<lower name>" for free text
    entity_id       VARCHAR,
    name            VARCHAR NOT NULL,
    country         VARCHAR
);

CREATE TABLE IF NOT EXISTS figure_series (
    series_id       VARCHAR NOT NULL,
    category        VARCHAR NOT NULL,
    unit            VARCHAR,
    subject         VARCHAR,
    n_figures       INTEGER NOT NULL,
    n_documents     INTEGER NOT NULL,
    n_sources       INTEGER NOT NULL,
    first_as_of     DATE,
    last_as_of      DATE,
    first_value     DOUBLE,
    last_value      DOUBLE,
    min_value       DOUBLE NOT NULL,
    max_value       DOUBLE NOT NULL,
    trend           VARCHAR NOT NULL,      -- rising | falling | flat | mixed | undated
    goes_backwards  BOOLEAN NOT NULL,
    outlets         VARCHAR[] NOT NULL
);

-- Member rows without their position, so a figure joining a series adds one row; the
-- figure_series_members view numbers them (ordinal) in as-of order.
CREATE TABLE IF NOT EXISTS figure_series_member_rows (
    series_id       VARCHAR NOT NULL,
    figure_id       VARCHAR NOT NULL,
    doc_id          VARCHAR NOT NULL,
    document        VARCHAR NOT NULL,
    outlet          VARCHAR,
    value           DOUBLE NOT NULL,
    qualifier       VARCHAR,
    unit            VARCHAR,
    subject         VARCHAR,
    as_of           DATE,
    as_of_precision VARCHAR NOT NULL,
    backwards       BOOLEAN NOT NULL,
    evidence_id     VARCHAR NOT NULL,
    evidence        VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS contradictions (
    contradiction_id VARCHAR NOT NULL,
    kind            VARCHAR NOT NULL,      -- figure_value | event_negation | event_date
    description     VARCHAR NOT NULL,
    a_ids           VARCHAR[] NOT NULL,
    a_value         VARCHAR NOT NULL,
    a_documents     VARCHAR[] NOT NULL,
    a_outlets       VARCHAR[] NOT NULL,
    a_evidence      VARCHAR[] NOT NULL,
    a_evidence_ids  VARCHAR[] NOT NULL,
    b_ids           VARCHAR[] NOT NULL,
    b_value         VARCHAR NOT NULL,
    b_documents     VARCHAR[] NOT NULL,
    b_outlets       VARCHAR[] NOT NULL,
    b_evidence      VARCHAR[] NOT NULL,
    b_evidence_ids  VARCHAR[] NOT NULL
);

CREATE TABLE IF NOT EXISTS dyad_events (
    fused_event_id  VARCHAR NOT NULL,
    level           VARCHAR NOT NULL,      -- entity | country
    actor           VARCHAR NOT NULL,
    actor_name      VARCHAR NOT NULL,
    target          VARCHAR NOT NULL,
    target_name     VARCHAR NOT NULL,
    month           DATE NOT NULL,
    type            VARCHAR NOT NULL,
    mode            VARCHAR,
    quad_class      VARCHAR NOT NULL,
    weight          DOUBLE NOT NULL
);

CREATE TABLE IF NOT EXISTS dyad_monthly (
    level           VARCHAR NOT NULL,
    actor           VARCHAR NOT NULL,
    actor_name      VARCHAR NOT NULL,
    target          VARCHAR NOT NULL,
    target_name     VARCHAR NOT NULL,
    month           DATE NOT NULL,
    type            VARCHAR NOT NULL,
    n_events        INTEGER NOT NULL,
    weight_sum      DOUBLE NOT NULL
);

CREATE OR REPLACE VIEW figure_series_members AS
SELECT series_id, figure_id,
       (row_number() OVER (PARTITION BY series_id ORDER BY as_of NULLS LAST, value, figure_id) - 1)::INTEGER
           AS ordinal,
       doc_id, document, outlet, value, qualifier, unit, subject, as_of, as_of_precision, backwards,
       evidence_id, evidence
FROM figure_series_member_rows;

CREATE OR REPLACE VIEW dyad_trend AS
SELECT level, actor, actor_name, target, target_name, month,
       count(*)::INTEGER AS n_events,
       count(*) FILTER (WHERE quad_class LIKE '%cooperation')::INTEGER AS n_cooperation,
       count(*) FILTER (WHERE quad_class LIKE '%conflict')::INTEGER AS n_conflict,
       round(sum(weight), 2) AS score,
       round(avg(weight), 2) AS mean_weight
FROM dyad_events
GROUP BY ALL;

CREATE OR REPLACE VIEW timeline AS
SELECT fused_event_id, date, precision, date_start, type, mode, negated, actors, targets, place,
       outlets, n_documents, n_sources, evidence[1] AS evidence_line, first_reported
FROM fused_events
ORDER BY date_start NULLS LAST, precision, type, fused_event_id;

CREATE OR REPLACE VIEW fused_event_outlets AS
SELECT fused_event_id, outlet, count(*)::INTEGER AS n_mentions, bool_and(is_copy) AS only_copies
FROM fused_event_members
WHERE outlet IS NOT NULL
GROUP BY ALL;

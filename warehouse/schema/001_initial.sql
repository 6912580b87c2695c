-- Warehouse schema, version 1. Applied once by warehouse/migrate.py inside one transaction.

CREATE TABLE runs (
    run_id        VARCHAR PRIMARY KEY,
    flow          VARCHAR NOT NULL,
    params        VARCHAR,            -- JSON of the run's parameters
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    status        VARCHAR NOT NULL,   -- running | ok | failed | aborted (writer died mid-run)
    pages_fetched INTEGER,
    reports_new   INTEGER,
    errors        INTEGER,
    timings       VARCHAR             -- JSON: seconds spent in parse, dedupe, load
);

-- One row per fetch attempt recorded in the archive, failures included.
CREATE TABLE pages (
    record_id     VARCHAR PRIMARY KEY,
    url           VARCHAR NOT NULL,
    final_url     VARCHAR,
    host          VARCHAR,
    status        INTEGER,            -- NULL: network failure
    content_type  VARCHAR,
    sha256        VARCHAR,            -- of the body; NULL when there was none
    fetched_at    TIMESTAMP,
    error         VARCHAR,
    portal_id     VARCHAR,
    kind          VARCHAR,            -- listing | detail | attachment | robots | other
    referer       VARCHAR,
    anchor_text   VARCHAR,
    doc_id        VARCHAR,            -- the document this fetch produced, when parsed
    run_id        VARCHAR
);

-- One row per distinct parsed page: a URL with a given clean text.
CREATE TABLE documents (
    doc_id             VARCHAR PRIMARY KEY,
    url                VARCHAR NOT NULL,
    host               VARCHAR,
    portal_id          VARCHAR,
    sha256             VARCHAR,       -- of the raw body first parsed into this document
    text_sha256        VARCHAR NOT NULL,
    content_type       VARCHAR,
    fetched_at         TIMESTAMP,     -- first fetch of this document
    is_annual_report   BOOLEAN NOT NULL,
    title              VARCHAR,
    year               INTEGER,
    publisher          VARCHAR,
    region             VARCHAR,
    region_code        VARCHAR,
    published_date     VARCHAR,
    format             VARCHAR,
    traditional_source BOOLEAN,
    spam_removed       VARCHAR,       -- JSON list
    warnings           VARCHAR,       -- JSON list
    text               VARCHAR,
    report_id          VARCHAR,       -- NULL for pages that are not annual reports
    is_canonical       BOOLEAN NOT NULL DEFAULT false,
    government_host    BOOLEAN,
    own_host           BOOLEAN,       -- on a host allowed by its portal's registry entry
    minhash            BLOB,          -- fingerprint for finding copies (transforms/fingerprint.py)
    numbers            VARCHAR,       -- space-separated multiset of the numbers in the text
    run_id             VARCHAR
);

-- One row per real report, however many copies of it were found.
CREATE TABLE reports (
    report_id        VARCHAR PRIMARY KEY,
    publisher        VARCHAR,
    region           VARCHAR,
    region_code      VARCHAR,
    year             INTEGER,
    format           VARCHAR,
    title            VARCHAR,
    published_date   VARCHAR,
    canonical_url    VARCHAR,
    canonical_doc_id VARCHAR,
    copies           INTEGER NOT NULL,
    government_host  BOOLEAN NOT NULL, -- false: seen only on non-government hosts
    portal_id        VARCHAR,
    first_run_id     VARCHAR,
    updated_run_id   VARCHAR
);

-- Metrics of every parsed report document; `metrics` holds those of canonical copies.
CREATE TABLE document_metrics (
    doc_id       VARCHAR NOT NULL,
    key          VARCHAR NOT NULL,
    dimension    VARCHAR,
    value        DOUBLE NOT NULL,
    unit         VARCHAR,
    unit_printed VARCHAR,
    approx       BOOLEAN,
    source       VARCHAR,
    evidence     VARCHAR
);

CREATE TABLE metrics (
    report_id    VARCHAR NOT NULL,
    key          VARCHAR NOT NULL,
    dimension    VARCHAR,
    value        DOUBLE NOT NULL,
    unit         VARCHAR,
    unit_printed VARCHAR,
    approx       BOOLEAN,
    source       VARCHAR,
    evidence     VARCHAR,
    doc_id       VARCHAR NOT NULL
);

-- Quality-check results of every parsed report document; report_id is set on the checks of
-- the report's canonical copy (like metrics), the other copies' checks link to their document only.
CREATE TABLE checks (
    doc_id     VARCHAR NOT NULL,
    report_id  VARCHAR,
    "check"    VARCHAR NOT NULL,
    ok         BOOLEAN NOT NULL,
    detail     VARCHAR
);

-- Which archived bodies were parsed, so a run parses only what is new.
CREATE TABLE parses (
    url        VARCHAR NOT NULL,      -- final URL of the fetch
    sha256     VARCHAR NOT NULL,
    doc_id     VARCHAR,               -- NULL when parsing failed or the year was filtered out
    status     VARCHAR NOT NULL,      -- ok | error | filtered
    error      VARCHAR,
    year       INTEGER,
    run_id     VARCHAR,
    PRIMARY KEY (url, sha256)
);

CREATE VIEW report_copies AS
SELECT report_id, doc_id, url, host, government_host, own_host, is_canonical, fetched_at
FROM documents WHERE report_id IS NOT NULL;

-- Version 5: each portal's outcome in a run; the Prefect flow run behind a run; the JSON
-- columns of runs typed as JSON (`govreports sql --format json` prints them as JSON, not strings).

CREATE TABLE run_portals (
    run_id        VARCHAR NOT NULL,
    portal_id     VARCHAR NOT NULL,   -- registry id, or the host of a --start-url
    status        VARCHAR NOT NULL,   -- ok | failed (no start page could be fetched, or the crawl died)
    pages_fetched INTEGER NOT NULL,   -- responses received (robots.txt and 304s not counted)
    reports_new   INTEGER NOT NULL,   -- reports first loaded by this run whose canonical copy is this portal's
    errors        INTEGER NOT NULL,   -- fetches that still failed after their retries
    error         VARCHAR,            -- why the portal failed, one line
    PRIMARY KEY (run_id, portal_id)
);

ALTER TABLE runs ADD COLUMN flow_run_id VARCHAR;   -- Prefect flow run id (NULL outside a flow)
ALTER TABLE runs ALTER params TYPE JSON;
ALTER TABLE runs ALTER timings TYPE JSON;

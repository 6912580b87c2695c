-- Version 7: how far into an archive index a warehouse has loaded, so a nightly run reads only
-- the fetch records after it (its memory follows the run, not the archive). One row per index
-- (a rebuilt or re-pulled index has a new id and is read whole once).

CREATE TABLE archive_watermarks (
    index_id   VARCHAR PRIMARY KEY,   -- the id stored in the archive index (crawler/tail.py)
    seq        BIGINT NOT NULL,       -- the last index row loaded (fetches.seq)
    updated_at TIMESTAMP NOT NULL
);

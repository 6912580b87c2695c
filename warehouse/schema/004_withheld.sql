-- Figures a parse found but did not load: a conflict between candidates, a table whose figures
-- disagree with each other, a split of run-together digits that is not unique, a sentence about
-- something narrower than the publisher's whole year. Kept with every candidate and the reason,
-- so a user can review them. One row per (document, key, dimension, reason); report_id is set
-- on the rows of a report's canonical copy (like checks), the other copies' rows link to their
-- document only.
CREATE TABLE withheld (
    doc_id           VARCHAR NOT NULL,
    report_id        VARCHAR,
    key              VARCHAR NOT NULL,
    dimension        VARCHAR,
    reason           VARCHAR NOT NULL,
    loaded_value     DOUBLE,      -- the value loaded for the key from other candidates; NULL: none
    candidate_values DOUBLE[],    -- the candidates' values, in the order found
    candidates       VARCHAR      -- JSON list: value, unit, unit_printed, approx, source, evidence, reason
);

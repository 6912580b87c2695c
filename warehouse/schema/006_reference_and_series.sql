-- Version 6: reference data for publishing, and one series per figure people follow.

-- The portal registry as of the last run (crawler/portals.yaml or --registry): which publishers
-- and years are expected. Replaced by every harvest, backfill and reprocess.
CREATE TABLE portals (
    portal_id      VARCHAR PRIMARY KEY,
    name           VARCHAR NOT NULL,
    region         VARCHAR,
    region_code    VARCHAR,          -- GB/T 2260
    level          VARCHAR,          -- province | city | county | department
    expected_years INTEGER[]         -- NULL: the registry expects nothing in particular
);

-- The metric dictionary (warehouse/dictionary.py): one row per metric key. Replaced by every run.
CREATE TABLE metric_keys (
    key        VARCHAR PRIMARY KEY,
    label_zh   VARCHAR NOT NULL,     -- the label as printed (or its short form)
    unit       VARCHAR,              -- as printed; money is stored in 元 in metrics.value
    formats    VARCHAR[] NOT NULL,   -- pre2019 | 2019 | 2021
    table_name VARCHAR,              -- where it is printed, per format when they differ
    row_label  VARCHAR               -- the row (× column) it is read from
);

-- The crosswalk between the pre-2019 forms and the 2019/2021 templates: which key (or sum of
-- keys) gives a series in each format. A series whose meaning changed with the template is
-- not bridged: "unable_to_provide" has no pre-2019 row (申请信息不存在 and 不属于本机关 were
-- counted apart), "proactive_total" no 2019+ one (the templates count documents by kind).
CREATE TABLE metric_crosswalk (
    series   VARCHAR NOT NULL,
    label_zh VARCHAR NOT NULL,
    format   VARCHAR NOT NULL,
    key      VARCHAR NOT NULL        -- several keys of one series and format are added up
);

INSERT INTO metric_crosswalk VALUES
    ('applications', '收到（新收）申请', 'pre2019', 'applications_received'),
    ('applications', '收到（新收）申请', '2019', 'applications_new'),
    ('applications', '收到（新收）申请', '2021', 'applications_new'),
    ('disclosed', '予以公开', 'pre2019', 'replies_granted'),
    ('disclosed', '予以公开', '2019', 'result_disclosed'),
    ('disclosed', '予以公开', '2021', 'result_disclosed'),
    ('partly_disclosed', '部分公开', 'pre2019', 'replies_partially_granted'),
    ('partly_disclosed', '部分公开', '2019', 'result_partially_disclosed'),
    ('partly_disclosed', '部分公开', '2021', 'result_partially_disclosed'),
    ('not_disclosed', '不予公开', 'pre2019', 'replies_denied'),
    ('unable_to_provide', '无法提供', '2019', 'result_unable_not_held'),
    ('unable_to_provide', '无法提供', '2019', 'result_unable_needs_creation'),
    ('unable_to_provide', '无法提供', '2019', 'result_unable_unclear'),
    ('unable_to_provide', '无法提供', '2021', 'result_unable_not_held'),
    ('unable_to_provide', '无法提供', '2021', 'result_unable_needs_creation'),
    ('unable_to_provide', '无法提供', '2021', 'result_unable_unclear'),
    ('reviews', '行政复议', 'pre2019', 'reconsideration_total'),
    ('reviews', '行政复议', '2019', 'reconsideration_total'),
    ('reviews', '行政复议', '2021', 'reconsideration_total'),
    ('reviews_upheld', '行政复议 维持', 'pre2019', 'reconsideration_upheld'),
    ('reviews_upheld', '行政复议 维持', '2019', 'reconsideration_upheld'),
    ('reviews_upheld', '行政复议 维持', '2021', 'reconsideration_upheld'),
    ('reviews_corrected', '行政复议 纠正', 'pre2019', 'reconsideration_corrected'),
    ('reviews_corrected', '行政复议 纠正', '2019', 'reconsideration_corrected'),
    ('reviews_corrected', '行政复议 纠正', '2021', 'reconsideration_corrected'),
    ('lawsuits', '行政诉讼', 'pre2019', 'litigation_total'),
    ('lawsuits', '行政诉讼', '2019', 'litigation_total'),
    ('lawsuits', '行政诉讼', '2021', 'litigation_total'),
    ('lawsuits_upheld', '行政诉讼 维持', 'pre2019', 'litigation_upheld'),
    ('lawsuits_upheld', '行政诉讼 维持', '2019', 'litigation_direct_upheld'),
    ('lawsuits_upheld', '行政诉讼 维持', '2019', 'litigation_after_review_upheld'),
    ('lawsuits_upheld', '行政诉讼 维持', '2021', 'litigation_direct_upheld'),
    ('lawsuits_upheld', '行政诉讼 维持', '2021', 'litigation_after_review_upheld'),
    ('lawsuits_corrected', '行政诉讼 纠正', 'pre2019', 'litigation_corrected'),
    ('lawsuits_corrected', '行政诉讼 纠正', '2019', 'litigation_direct_corrected'),
    ('lawsuits_corrected', '行政诉讼 纠正', '2019', 'litigation_after_review_corrected'),
    ('lawsuits_corrected', '行政诉讼 纠正', '2021', 'litigation_direct_corrected'),
    ('lawsuits_corrected', '行政诉讼 纠正', '2021', 'litigation_after_review_corrected'),
    ('proactive_total', '主动公开政府信息', 'pre2019', 'proactive_total');

-- 2019/2021 不予公开 is printed as eight reasons without a total: their sum.
INSERT INTO metric_crosswalk SELECT 'not_disclosed', '不予公开', f.format, k.key
FROM (VALUES ('2019'), ('2021')) f(format),
     (VALUES ('result_not_disclosed_state_secret'), ('result_not_disclosed_prohibited_by_law'),
             ('result_not_disclosed_security_stability'), ('result_not_disclosed_third_party'),
             ('result_not_disclosed_internal_affairs'), ('result_not_disclosed_process_info'),
             ('result_not_disclosed_enforcement_file'), ('result_not_disclosed_administrative_query')) k(key);

-- metric_series: one row per report and series that the report's format carries, with the
-- value of the crosswalk's key, or the sum of its keys when every one of them was loaded (a sum
-- with a part missing is no value, never a smaller one). A key's value is the one with
-- dimension NULL or 'total', as in metrics_wide. `keys` says what was read; `bridged` is true
-- when the series is read from different keys before and after the 2019 template.
CREATE VIEW metric_series AS
WITH figure AS (
    SELECT report_id, key, max(value) AS value FROM metrics
    WHERE dimension IS NULL OR dimension = 'total' GROUP BY ALL
), bridged AS (
    SELECT series, count(DISTINCT key) FILTER (WHERE format = 'pre2019') > 0
           AND list_sort(list(DISTINCT key) FILTER (WHERE format = 'pre2019'))
               IS DISTINCT FROM list_sort(list(DISTINCT key) FILTER (WHERE format <> 'pre2019'))
           AND count(*) FILTER (WHERE format <> 'pre2019') > 0 AS bridged
    FROM metric_crosswalk GROUP BY series
), parts AS (
    SELECT r.report_id, r.publisher, r.region_code, r.year, r.format, c.series, c.label_zh,
           c.key, f.value
    FROM reports r
    JOIN metric_crosswalk c ON c.format = r.format
    LEFT JOIN figure f ON f.report_id = r.report_id AND f.key = c.key
)
SELECT p.report_id, p.publisher, p.region_code, p.year, p.format, p.series, p.label_zh,
       sum(p.value) AS value, list(p.key ORDER BY p.key) AS keys, any_value(b.bridged) AS bridged
FROM parts p JOIN bridged b USING (series)
GROUP BY p.report_id, p.publisher, p.region_code, p.year, p.format, p.series, p.label_zh
HAVING count(p.value) = count(*);

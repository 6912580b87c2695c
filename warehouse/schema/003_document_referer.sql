-- Version 3: remember which page linked to a document, so a report published as a short page
-- ("全文见附件") plus its attachment is grouped as one report.
ALTER TABLE documents ADD COLUMN referer VARCHAR;

UPDATE documents SET referer = p.referer
FROM pages p
WHERE p.doc_id = documents.doc_id AND p.referer IS NOT NULL AND documents.referer IS NULL;

CREATE OR REPLACE VIEW report_copies AS
SELECT report_id, doc_id, url, host, government_host, own_host, is_canonical, fetched_at, referer
FROM documents WHERE report_id IS NOT NULL;

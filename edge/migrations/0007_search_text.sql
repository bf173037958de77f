-- Caseless search in any script. SQLite's LIKE folds only ASCII letters, so `müller` never
-- found `MÜLLER`. Intake now stores the text values of an inquiry's fields here, each put
-- through shared::search::fold (NFC, Unicode full case folding, NFC) and joined by U+001F,
-- a character no value or search term can hold; a text search folds its term the same way
-- and matches it with LIKE (edge/src/inquiry_query.rs).
--
-- Rows stored before this migration start with NULL here and are searched through
-- fields_json, as before (ASCII letters in any case, others as typed), until the cron has
-- filled their column. The column holds
-- the same personal data as fields_json and goes with the row when retention deletes it.
--
-- No index: a `%term%` pattern cannot use one. The search reads a site's rows through
-- inquiries_by_site_date_id (0006) in list order and stops at the page's LIMIT.
ALTER TABLE inquiries ADD COLUMN search_text TEXT;

-- The cron fills search_text for the older rows, a batch per run (edge/src/search_backfill.rs);
-- this index finds them without a scan and is empty once they are done.
CREATE INDEX inquiries_unfolded ON inquiries (id) WHERE search_text IS NULL;

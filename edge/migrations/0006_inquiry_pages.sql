-- The admin list and export page through a site's inquiries by (submitted_ms, id), newest
-- first (edge/src/inquiry_query.rs). With the id in the index, a page starts where the
-- previous one ended and reads no rows before it, however many share one millisecond.
-- It takes the place of the (site_id, submitted_ms) index of 0001.
DROP INDEX inquiries_by_site_date;
CREATE INDEX inquiries_by_site_date_id ON inquiries (site_id, submitted_ms DESC, id DESC);

-- The list's `topic` filter.
CREATE INDEX inquiries_by_site_topic ON inquiries (site_id, topic, submitted_ms DESC);

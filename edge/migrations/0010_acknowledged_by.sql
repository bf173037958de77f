-- Who acknowledged an inquiry and how: the name typed on the acknowledgement page (or the
-- admin API's caller), and `link` or `api`. NULL for acknowledgements made before this.

ALTER TABLE inquiries ADD COLUMN acknowledged_by TEXT;
ALTER TABLE inquiries ADD COLUMN acknowledged_via TEXT;

-- Acknowledgements and escalations (issue 5). Times are unix milliseconds.

-- Whether the acknowledgement came at or before the deadline: 1 met, 0 missed, NULL while
-- unacknowledged. Fixed when `acknowledged_ms` (0001) is first set; acknowledging again
-- changes neither.
ALTER TABLE inquiries ADD COLUMN target_met INTEGER;

-- The escalation scan: unacknowledged, deliverable inquiries by deadline.
CREATE INDEX inquiries_unacknowledged ON inquiries (deadline_ms)
    WHERE acknowledged_ms IS NULL AND status <> 'spam';

-- One row per escalation step. The row is written before the webhook is queued, and the
-- UNIQUE constraint makes that insert the lock: of two concurrent cron runs, only the one
-- whose insert changed a row sends.
CREATE TABLE escalations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    inquiry_id  TEXT NOT NULL REFERENCES inquiries(id),
    -- "warning", "overdue", "overdue-2", "overdue-3", ...
    level       TEXT NOT NULL,
    -- The POC the escalation webhook goes to.
    target_poc  TEXT NOT NULL,
    at_ms       INTEGER NOT NULL,
    UNIQUE (inquiry_id, level)
);

-- Escalation webhooks are logged with the other delivery attempts; this names the level
-- (NULL for the inquiry's own delivery), so an escalation's success never counts as the
-- inquiry's delivery and the other way round.
ALTER TABLE delivery_attempts ADD COLUMN escalation TEXT;

-- Escalation ladders that have nothing left to send. Without this, once more than a batch
-- of such inquiries waited out their 30 days, the scan saw only them. Set, in unix milliseconds, when
-- the last level of the inquiry's backup chain was queued; the scan skips these rows, so
-- every batch goes to inquiries that may still need a step.
ALTER TABLE inquiries ADD COLUMN escalation_done_ms INTEGER;

-- The escalation scan's index, now without finished ladders.
DROP INDEX inquiries_unacknowledged;
CREATE INDEX inquiries_escalation_open ON inquiries (deadline_ms)
    WHERE acknowledged_ms IS NULL AND status <> 'spam' AND escalation_done_ms IS NULL;

-- Jobs carry a typed payload (JSON, see store::jobs::JobPayload) instead of ids parsed back out
-- of their keys; rows written before this migration have none and are read from their columns.
-- Finished jobs and old platform event ids are pruned by the scheduler, oldest first.
ALTER TABLE jobs ADD COLUMN payload TEXT;
CREATE INDEX jobs_finished ON jobs (finished_at);
CREATE INDEX processed_events_received ON processed_events (received_at);

-- An inbound activity is claimed while it is handled ('processing', until lease_until) and
-- marked 'done' only when its effect is recorded: a redelivery after a failure is handled again.
ALTER TABLE processed_events ADD COLUMN state TEXT NOT NULL DEFAULT 'done';
ALTER TABLE processed_events ADD COLUMN lease_until BIGINT;

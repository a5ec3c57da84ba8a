-- Where each cycle's digest was posted, so a retry never posts it twice.
CREATE TABLE digest_posts (
    cycle_id     BIGINT PRIMARY KEY REFERENCES cycles (id),
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    channel      TEXT   NOT NULL,
    ts           TEXT   NOT NULL,
    thread_ts    TEXT,
    posted_at    BIGINT NOT NULL
);

-- Whether a priority that others depend on is stalled, and how many times it became so:
-- dependents are told once per change, not every cycle.
CREATE TABLE stall_states (
    priority_id  BIGINT PRIMARY KEY REFERENCES priorities (id),
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    stalled      BIGINT NOT NULL,
    episode      BIGINT NOT NULL,
    changed_at   BIGINT NOT NULL
);
CREATE INDEX stall_states_by_workspace ON stall_states (workspace_id);

-- Digests and drift read cycles by team and updates by cycle; history by time window.
CREATE INDEX priority_history_by_time ON priority_history (workspace_id, field, at);

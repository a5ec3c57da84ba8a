-- Outgoing webhooks: URLs an admin registered to receive signed JSON events. Each has its own
-- signing secret, sealed with pacer's keyring (never stored in clear). A removed hook keeps its
-- row (removed_at) so that its pending deliveries are dropped rather than sent. The last
-- delivery's time and outcome are kept on the hook for `webhook list`.
CREATE TABLE webhooks (
    id              INTEGER PRIMARY KEY,
    workspace_id    BIGINT  NOT NULL REFERENCES workspaces (id),
    url             TEXT    NOT NULL,
    secret_sealed   TEXT    NOT NULL,
    created_by      BIGINT  NOT NULL REFERENCES people (id),
    created_at      BIGINT  NOT NULL,
    removed_at      BIGINT,
    last_attempt_at BIGINT,
    last_outcome    TEXT
);
CREATE INDEX webhooks_by_workspace ON webhooks (workspace_id, removed_at);

-- The drift flags last reported for each priority (comma-separated, sorted), so that
-- `priority.flags_changed` is sent only when they differ. Written at each team's digest.
CREATE TABLE webhook_flag_states (
    workspace_id    BIGINT NOT NULL REFERENCES workspaces (id),
    priority_number BIGINT NOT NULL,
    flags           TEXT   NOT NULL,
    changed_at      BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, priority_number)
);

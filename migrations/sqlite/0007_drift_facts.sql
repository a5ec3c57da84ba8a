-- What the drift rules read of each active priority's history, as of its newest fact: its
-- latest updates (status and progress, newest first) and whether it was answered in its team's
-- latest closed cycles. Kept up to date in the same transaction as every fact that changes
-- them (an update, a cycle closing, a new priority, a move to another team), so that asking
-- what is stalled reads one row per priority instead of its history. The depths record which
-- thresholds the lists were drawn for; `facts_at` is the time of the newest fact they reflect,
-- so a question about an earlier moment reads the history instead.
CREATE TABLE drift_facts (
    priority_id  BIGINT PRIMARY KEY REFERENCES priorities (id),
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    update_depth BIGINT NOT NULL,
    updates      TEXT   NOT NULL,
    answer_depth BIGINT NOT NULL,
    answers      TEXT   NOT NULL,
    facts_at     BIGINT NOT NULL,
    refreshed_at BIGINT NOT NULL
);
CREATE INDEX drift_facts_by_workspace ON drift_facts (workspace_id);

-- Leaders close the loop. A decision is what a lead decided about a priority, with who took it,
-- when, and an optional follow-up (owner and due date) that the review agenda shows until it is
-- done. A raised item is a priority put before its team's parent team (by hand with `raise`, or
-- by itself after two bad cycles); the parent team's leads own it until a decision closes it.
-- A priority has at most one open raised item.
CREATE TABLE decisions (
    id           INTEGER PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    priority_id  BIGINT NOT NULL REFERENCES priorities (id),
    text         TEXT   NOT NULL,
    decided_by   BIGINT NOT NULL REFERENCES people (id),
    decided_at   BIGINT NOT NULL,
    owner_id     BIGINT REFERENCES people (id),
    due_date     TEXT,
    done_at      BIGINT
);
CREATE INDEX decisions_by_priority ON decisions (workspace_id, priority_id, decided_at);

CREATE TABLE raised_items (
    id                    INTEGER PRIMARY KEY,
    workspace_id          BIGINT NOT NULL REFERENCES workspaces (id),
    priority_id           BIGINT NOT NULL REFERENCES priorities (id),
    team_id               BIGINT NOT NULL REFERENCES teams (id),
    raised_by             BIGINT REFERENCES people (id),
    reason                TEXT   NOT NULL,
    why                   TEXT   NOT NULL,
    raised_at             BIGINT NOT NULL,
    closed_at             BIGINT,
    closed_by_decision_id BIGINT REFERENCES decisions (id)
);
CREATE UNIQUE INDEX raised_items_open ON raised_items (priority_id) WHERE closed_at IS NULL;
CREATE INDEX raised_items_by_team ON raised_items (workspace_id, team_id, closed_at);

-- A team's days off. A check-in or digest whose local date falls on one fires at the same
-- wall-clock time on the next working day. Days are ISO dates (YYYY-MM-DD), both included; a
-- team's holidays never overlap (checked when they are added), and the unique index keeps an
-- import run twice, or by two processes at once, from adding one twice.
CREATE TABLE holidays (
    id           INTEGER PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    team_id      BIGINT NOT NULL REFERENCES teams (id),
    first_day    TEXT   NOT NULL,
    last_day     TEXT   NOT NULL,
    name         TEXT   NOT NULL,
    added_by     BIGINT REFERENCES people (id),
    added_at     BIGINT NOT NULL
);
CREATE UNIQUE INDEX holidays_by_team ON holidays (team_id, first_day);
CREATE INDEX holidays_by_workspace ON holidays (workspace_id, team_id, last_day);

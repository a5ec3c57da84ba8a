-- The review meeting. A team's rhythm may name when its review meets (`review_schedule`, a
-- schedule like the check-in's, in the team's home zone); its agenda is posted into the team's
-- channel an hour before. A lead may put an agenda item off to a later review (a deferral hides
-- it from the team's agendas until `until_at`), or assign it to someone who brings it back
-- (shown on the item until a decision on the priority, or until it is marked done).
ALTER TABLE rhythms ADD COLUMN review_schedule TEXT;

CREATE TABLE agenda_deferrals (
    id           INTEGER PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    team_id      BIGINT NOT NULL REFERENCES teams (id),
    priority_id  BIGINT NOT NULL REFERENCES priorities (id),
    until_at     BIGINT NOT NULL,
    deferred_by  BIGINT NOT NULL REFERENCES people (id),
    deferred_at  BIGINT NOT NULL
);
CREATE INDEX agenda_deferrals_by_team ON agenda_deferrals (workspace_id, team_id, until_at);

CREATE TABLE assignments (
    id           INTEGER PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    team_id      BIGINT NOT NULL REFERENCES teams (id),
    priority_id  BIGINT NOT NULL REFERENCES priorities (id),
    assignee_id  BIGINT NOT NULL REFERENCES people (id),
    assigned_by  BIGINT NOT NULL REFERENCES people (id),
    note         TEXT,
    due_date     TEXT,
    assigned_at  BIGINT NOT NULL,
    done_at      BIGINT
);
CREATE INDEX assignments_by_priority ON assignments (workspace_id, priority_id, assigned_at);

-- A team's rhythm: when owners are prompted, when they are reminded, when the digest goes out.
-- `zone` is an IANA name, or 'member' to prompt each owner at that time in their own zone.
-- `remind_minutes` NULL means no reminder.
CREATE TABLE rhythms (
    team_id          BIGINT PRIMARY KEY REFERENCES teams (id),
    workspace_id     BIGINT NOT NULL REFERENCES workspaces (id),
    checkin_schedule TEXT,
    digest_schedule  TEXT,
    zone             TEXT   NOT NULL,
    remind_minutes   BIGINT,
    updated_by       BIGINT NOT NULL REFERENCES people (id),
    updated_at       BIGINT NOT NULL
);
CREATE INDEX rhythms_by_workspace ON rhythms (workspace_id);

-- The operating rhythm: each team's schedule, its cycles, who is asked in each, the jobs that
-- deliver prompts and reminders, and away periods.

-- A team's rhythm. `zone` is an IANA name, or 'member' to prompt each owner at that time in
-- their own zone; `home_zone` is always a real zone (digest times, 'member' reference).
-- `remind_minutes` NULL means no reminder.
CREATE TABLE rhythms (
    team_id          BIGINT PRIMARY KEY REFERENCES teams (id),
    workspace_id     BIGINT NOT NULL REFERENCES workspaces (id),
    checkin_schedule TEXT,
    digest_schedule  TEXT,
    zone             TEXT   NOT NULL,
    home_zone        TEXT   NOT NULL,
    remind_minutes   BIGINT,
    updated_by       BIGINT NOT NULL REFERENCES people (id),
    updated_at       BIGINT NOT NULL
);
CREATE INDEX rhythms_by_workspace ON rhythms (workspace_id);

-- One turn of a rhythm. `slot` is the wall-clock check-in time it belongs to, so a slot
-- opens once however many replicas or ticks look at it.
CREATE TABLE cycles (
    id           INTEGER PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    team_id      BIGINT NOT NULL REFERENCES teams (id),
    slot         TEXT   NOT NULL,
    opens_at     BIGINT NOT NULL,
    closes_at    BIGINT NOT NULL,
    state        TEXT   NOT NULL CHECK (state IN ('open', 'closed')),
    closed_at    BIGINT,
    created_at   BIGINT NOT NULL,
    UNIQUE (team_id, slot)
);
CREATE INDEX cycles_open ON cycles (state, closes_at);
CREATE INDEX cycles_by_team ON cycles (workspace_id, team_id, opens_at);

-- Who is asked in a cycle, when, and whether the reminder was decided.
CREATE TABLE cycle_owners (
    cycle_id        BIGINT NOT NULL REFERENCES cycles (id),
    person_id       BIGINT NOT NULL REFERENCES people (id),
    workspace_id    BIGINT NOT NULL REFERENCES workspaces (id),
    prompt_at       BIGINT NOT NULL,
    remind_at       BIGINT,
    remind_decided  BIGINT NOT NULL DEFAULT 0,
    away            BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (cycle_id, person_id)
);
CREATE INDEX cycle_owners_remind ON cycle_owners (remind_decided, remind_at);

-- The priorities a cycle asks about, and whose they were when it opened.
CREATE TABLE cycle_priorities (
    cycle_id     BIGINT NOT NULL REFERENCES cycles (id),
    priority_id  BIGINT NOT NULL REFERENCES priorities (id),
    person_id    BIGINT NOT NULL REFERENCES people (id),
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    PRIMARY KEY (cycle_id, priority_id)
);
CREATE INDEX cycle_priorities_by_owner ON cycle_priorities (cycle_id, person_id);

-- A check-in is an update recorded against a cycle; after the cycle closed it is late.
ALTER TABLE priority_updates ADD COLUMN cycle_id BIGINT REFERENCES cycles (id);
ALTER TABLE priority_updates ADD COLUMN late BIGINT NOT NULL DEFAULT 0;
CREATE INDEX priority_updates_by_cycle ON priority_updates (cycle_id, priority_id);

-- The message a person was prompted with, to update it in place after an answer.
CREATE TABLE prompts (
    cycle_id     BIGINT NOT NULL REFERENCES cycles (id),
    person_id    BIGINT NOT NULL REFERENCES people (id),
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    channel      TEXT   NOT NULL,
    ts           TEXT   NOT NULL,
    PRIMARY KEY (cycle_id, person_id)
);

-- Outgoing work. Written in the transaction that decides it, claimed with an expiring lease,
-- sent, and marked done; `key` makes deciding twice harmless.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    kind         TEXT   NOT NULL,
    key          TEXT   NOT NULL UNIQUE,
    cycle_id     BIGINT REFERENCES cycles (id),
    person_id    BIGINT REFERENCES people (id),
    due_at       BIGINT NOT NULL,
    state        TEXT   NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed')),
    attempts     BIGINT NOT NULL DEFAULT 0,
    lease_until  BIGINT,
    last_error   TEXT,
    created_at   BIGINT NOT NULL,
    finished_at  BIGINT
);
CREATE INDEX jobs_due ON jobs (state, due_at);

CREATE TABLE away_periods (
    id           INTEGER PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    person_id    BIGINT NOT NULL REFERENCES people (id),
    starts_on    TEXT   NOT NULL,
    ends_on      TEXT   NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX away_by_person ON away_periods (workspace_id, person_id);

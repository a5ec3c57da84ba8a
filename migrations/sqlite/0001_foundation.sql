-- pacer's foundation: workspaces, people, teams, priorities and their history.
-- Times are Unix seconds (BIGINT) and dates are ISO text, so the same queries serve SQLite
-- and PostgreSQL. Every row carries its workspace.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE workspaces (
    id                   INTEGER PRIMARY KEY,
    platform             TEXT    NOT NULL,
    external_id          TEXT    NOT NULL,
    name                 TEXT,
    next_priority_number BIGINT  NOT NULL DEFAULT 1,
    created_at           BIGINT  NOT NULL,
    UNIQUE (platform, external_id)
);

CREATE TABLE people (
    id                 INTEGER PRIMARY KEY,
    workspace_id       BIGINT  NOT NULL REFERENCES workspaces (id),
    user_id            TEXT    NOT NULL,
    display_name       TEXT    NOT NULL,
    tz                 TEXT,
    is_admin           BIGINT  NOT NULL DEFAULT 0,
    profile_fetched_at BIGINT,
    created_at         BIGINT  NOT NULL,
    UNIQUE (workspace_id, user_id)
);
CREATE INDEX people_by_name ON people (workspace_id, display_name);

CREATE TABLE teams (
    id             INTEGER PRIMARY KEY,
    workspace_id   BIGINT  NOT NULL REFERENCES workspaces (id),
    name           TEXT    NOT NULL,
    name_key       TEXT    NOT NULL,
    channel_id     TEXT,
    channel_name   TEXT,
    parent_team_id BIGINT  REFERENCES teams (id),
    created_at     BIGINT  NOT NULL,
    created_by     BIGINT  NOT NULL REFERENCES people (id),
    UNIQUE (workspace_id, name_key)
);
CREATE INDEX teams_by_channel ON teams (workspace_id, channel_id);
CREATE INDEX teams_by_parent ON teams (workspace_id, parent_team_id);

CREATE TABLE team_members (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    team_id      BIGINT NOT NULL REFERENCES teams (id),
    person_id    BIGINT NOT NULL REFERENCES people (id),
    role         TEXT   NOT NULL CHECK (role IN ('lead', 'member')),
    joined_at    BIGINT NOT NULL,
    PRIMARY KEY (team_id, person_id)
);
CREATE INDEX team_members_by_person ON team_members (workspace_id, person_id);

CREATE TABLE priorities (
    id           INTEGER PRIMARY KEY,
    workspace_id BIGINT  NOT NULL REFERENCES workspaces (id),
    number       BIGINT  NOT NULL,
    title        TEXT    NOT NULL,
    owner_id     BIGINT  NOT NULL REFERENCES people (id),
    team_id      BIGINT  NOT NULL REFERENCES teams (id),
    due_date     TEXT,
    parent_id    BIGINT  REFERENCES priorities (id),
    status       TEXT    NOT NULL,
    progress     BIGINT  NOT NULL DEFAULT 0,
    created_by   BIGINT  NOT NULL REFERENCES people (id),
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    UNIQUE (workspace_id, number)
);
CREATE INDEX priorities_by_team ON priorities (workspace_id, team_id, status);
CREATE INDEX priorities_by_owner ON priorities (workspace_id, owner_id, status);
CREATE INDEX priorities_by_parent ON priorities (workspace_id, parent_id);

CREATE TABLE priority_dependencies (
    workspace_id  BIGINT NOT NULL REFERENCES workspaces (id),
    priority_id   BIGINT NOT NULL REFERENCES priorities (id),
    depends_on_id BIGINT NOT NULL REFERENCES priorities (id),
    created_by    BIGINT NOT NULL REFERENCES people (id),
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (priority_id, depends_on_id)
);
CREATE INDEX priority_dependencies_reverse ON priority_dependencies (workspace_id, depends_on_id);

-- Status updates: what the drift rules read (status command now, check-ins later).
CREATE TABLE priority_updates (
    id           INTEGER PRIMARY KEY,
    workspace_id BIGINT  NOT NULL REFERENCES workspaces (id),
    priority_id  BIGINT  NOT NULL REFERENCES priorities (id),
    author_id    BIGINT  NOT NULL REFERENCES people (id),
    status       TEXT    NOT NULL,
    progress     BIGINT  NOT NULL,
    note         TEXT,
    blocker      TEXT,
    created_at   BIGINT  NOT NULL
);
CREATE INDEX priority_updates_by_priority ON priority_updates (priority_id, created_at);

-- Every change of every field of a priority: who, when, what.
CREATE TABLE priority_history (
    id           INTEGER PRIMARY KEY,
    workspace_id BIGINT  NOT NULL REFERENCES workspaces (id),
    priority_id  BIGINT  NOT NULL REFERENCES priorities (id),
    actor_id     BIGINT  NOT NULL REFERENCES people (id),
    at           BIGINT  NOT NULL,
    field        TEXT    NOT NULL,
    old_value    TEXT,
    new_value    TEXT
);
CREATE INDEX priority_history_by_priority ON priority_history (priority_id, id);

-- Platform events already handled, so that retries and redeliveries have one effect.
CREATE TABLE processed_events (
    platform    TEXT   NOT NULL,
    event_id    TEXT   NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (platform, event_id)
);

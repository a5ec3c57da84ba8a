-- What the peers read: the columns of pacer's tables that `/pacer list all` shows.
PRAGMA journal_mode = WAL;
CREATE TABLE workspaces (
    id          INTEGER PRIMARY KEY,
    external_id TEXT NOT NULL UNIQUE
);
CREATE TABLE people (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    user_id      TEXT    NOT NULL,
    display_name TEXT    NOT NULL
);
CREATE TABLE teams (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    name         TEXT    NOT NULL
);
CREATE TABLE priorities (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    number       INTEGER NOT NULL,
    title        TEXT    NOT NULL,
    owner_id     INTEGER NOT NULL REFERENCES people (id),
    team_id      INTEGER NOT NULL REFERENCES teams (id),
    due_date     TEXT,
    status       TEXT    NOT NULL,
    progress     INTEGER NOT NULL,
    UNIQUE (workspace_id, number)
);
CREATE INDEX priorities_by_status ON priorities (workspace_id, status);

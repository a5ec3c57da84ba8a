-- Bearer tokens for the read API (`/api/v1/…`): each reads one workspace. Only a token's
-- SHA-256 is kept (tokens are 256 random bits, so a fast hash is enough); `hint` is its first
-- characters, which `token list` shows so that people can tell tokens apart. A label names one
-- live token per workspace; a revoked token keeps its row, so its label can be reused.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    label        TEXT   NOT NULL,
    label_key    TEXT   NOT NULL,
    token_hash   TEXT   NOT NULL UNIQUE,
    hint         TEXT   NOT NULL,
    created_by   BIGINT NOT NULL REFERENCES people (id),
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT,
    revoked_by   BIGINT REFERENCES people (id)
);
CREATE UNIQUE INDEX api_tokens_live_label ON api_tokens (workspace_id, label_key)
    WHERE revoked_at IS NULL;

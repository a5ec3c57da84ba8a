-- Where pacer can reach a person or a channel later, for platforms that need a stored address
-- to send proactively (Microsoft Teams: the serviceUrl and conversation id it sent us).
-- A reference the platform refused for good (the user blocked the bot, the conversation is gone)
-- is marked stale instead of being retried forever; the next message from there refreshes it.
CREATE TABLE conversation_refs (
    workspace_id    BIGINT NOT NULL REFERENCES workspaces (id),
    kind            TEXT   NOT NULL,
    target          TEXT   NOT NULL,
    service_url     TEXT   NOT NULL,
    conversation_id TEXT   NOT NULL,
    team_id         TEXT,
    stale_at        BIGINT,
    stale_reason    TEXT,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, kind, target)
);

-- Slack workspaces that installed pacer through OAuth: their bot token, encrypted with pacer's
-- secret key (never stored in clear).
CREATE TABLE slack_installations (
    workspace_id    BIGINT PRIMARY KEY REFERENCES workspaces (id),
    bot_token       TEXT   NOT NULL,
    bot_user_id     TEXT,
    scope           TEXT,
    installed_by    TEXT,
    installed_at    BIGINT NOT NULL,
    uninstalled_at  BIGINT
);

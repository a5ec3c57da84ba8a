-- Each closed cycle's digest figures, written once when its digest is built (or, for a cycle
-- closed before this table existed, when the dashboard first needs it), so that the dashboard's
-- 12-week trends never re-evaluate drift over the history. `closes_at` is the cycle's scheduled
-- close, which its digest is drawn up as of. `asked` counts every owner the cycle asked, those
-- away included; `answered` those not away who answered on time; `answers` and
-- `on_track_answers` the on-time answers; `active` and `stalled` the team's own active
-- priorities at the close and how many of them drift flagged.
CREATE TABLE cycle_figures (
    cycle_id         BIGINT PRIMARY KEY REFERENCES cycles (id),
    workspace_id     BIGINT NOT NULL REFERENCES workspaces (id),
    team_id          BIGINT NOT NULL REFERENCES teams (id),
    closes_at        BIGINT NOT NULL,
    asked            BIGINT NOT NULL,
    away             BIGINT NOT NULL,
    answered         BIGINT NOT NULL,
    answers          BIGINT NOT NULL,
    on_track_answers BIGINT NOT NULL,
    active           BIGINT NOT NULL,
    stalled          BIGINT NOT NULL
);
CREATE INDEX cycle_figures_by_time ON cycle_figures (workspace_id, closes_at);

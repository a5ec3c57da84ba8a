-- Check-ins that ask only what changed, and answers given ahead.
--
-- `ask` is how a team's check-in asks: 'all' (every priority with its buttons) or 'changed'
-- (only priorities at risk, off track, stale or due soon; the others under one "All still on
-- track" button).
ALTER TABLE rhythms ADD COLUMN ask TEXT NOT NULL DEFAULT 'all' CHECK (ask IN ('all', 'changed'));

-- Whether a cycle asks about a priority with its own buttons (1), or lists it compactly under
-- "All still on track" (0), decided when the cycle opens.
ALTER TABLE cycle_priorities ADD COLUMN asked BIGINT NOT NULL DEFAULT 1;

-- A check-in given ahead of its cycle: when it was given (it is recorded when the cycle opens).
ALTER TABLE priority_updates ADD COLUMN given_ahead_at BIGINT;

-- Answers given ahead (`/pacer checkin` before a cycle opens), by team, the slot of the cycle
-- they are for, and priority; recorded as that cycle's check-ins when it opens, then deleted.
CREATE TABLE ahead_answers (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    team_id      BIGINT NOT NULL REFERENCES teams (id),
    slot         TEXT   NOT NULL,
    priority_id  BIGINT NOT NULL REFERENCES priorities (id),
    person_id    BIGINT NOT NULL REFERENCES people (id),
    status       TEXT   NOT NULL,
    progress     BIGINT NOT NULL,
    note         TEXT,
    blocker      TEXT,
    given_at     BIGINT NOT NULL,
    PRIMARY KEY (team_id, slot, priority_id)
);
CREATE INDEX ahead_answers_by_person ON ahead_answers (workspace_id, person_id);

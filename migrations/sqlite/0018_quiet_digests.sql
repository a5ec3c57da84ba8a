-- Quiet digests and followers. A team's digest names who has not answered without notifying
-- them unless the team asks for pings (`rhythm <team> digest "<schedule>" nudge:mention`).
-- Anyone in the workspace may follow a team's digest; a follower who is not already in the
-- team (a member, a lead or an owner of one of its priorities) gets each posted digest as a
-- direct message. One row per team and person: following twice changes nothing.
ALTER TABLE rhythms ADD COLUMN digest_nudge TEXT NOT NULL DEFAULT 'quiet' CHECK (digest_nudge IN ('quiet', 'mention'));

CREATE TABLE digest_followers (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    team_id      BIGINT NOT NULL REFERENCES teams (id),
    person_id    BIGINT NOT NULL REFERENCES people (id),
    followed_at  BIGINT NOT NULL,
    PRIMARY KEY (team_id, person_id)
);
CREATE INDEX digest_followers_by_person ON digest_followers (workspace_id, person_id);

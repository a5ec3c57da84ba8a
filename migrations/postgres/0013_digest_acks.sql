-- Who acknowledged a posted team digest, and when. A lead of the team or of its parent team (or
-- an admin) clicked Seen, or Discuss, which also put the digest's worst items on the parent
-- team's agenda. One row per digest and person: a second click changes nothing, and Discuss
-- after Seen only adds when it was discussed.
CREATE TABLE digest_acks (
    cycle_id     BIGINT NOT NULL REFERENCES cycles (id),
    person_id    BIGINT NOT NULL REFERENCES people (id),
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    seen_at      BIGINT NOT NULL,
    discussed_at BIGINT,
    PRIMARY KEY (cycle_id, person_id)
);
CREATE INDEX digest_acks_by_workspace ON digest_acks (workspace_id, cycle_id);

-- The focus question: after the priorities, each person asked in a cycle says how much of
-- their week went to them (3 most, 2 about half, 1 little, 0 none), with an optional word on
-- what took the rest. One answer per person per cycle, changeable while the cycle is open;
-- the first answer after it closed is kept and marked late. A team turns the question off
-- on its rhythm (`focus_question` 0).
ALTER TABLE rhythms ADD COLUMN focus_question BIGINT NOT NULL DEFAULT 1;
CREATE TABLE focus_answers (
    cycle_id     BIGINT NOT NULL REFERENCES cycles (id),
    person_id    BIGINT NOT NULL REFERENCES people (id),
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    level        BIGINT NOT NULL CHECK (level BETWEEN 0 AND 3),
    rest         TEXT,
    late         BIGINT NOT NULL DEFAULT 0,
    answered_at  BIGINT NOT NULL,
    PRIMARY KEY (cycle_id, person_id)
);
CREATE INDEX focus_answers_by_workspace ON focus_answers (workspace_id, cycle_id);

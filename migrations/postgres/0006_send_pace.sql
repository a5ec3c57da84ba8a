-- Outbound pacing shared by every replica: for each platform tenant ("slack:T123") and rate
-- bucket (a Web API method, or the Teams app), the theoretical arrival time of the next send
-- in Unix milliseconds (GCRA). A sender reserves its slot by moving it forward in one
-- statement, then waits until its slot comes; a 429 moves it to the end of Retry-After.
CREATE TABLE send_pace (
    scope TEXT NOT NULL,
    bucket TEXT NOT NULL,
    tat_ms BIGINT NOT NULL,
    PRIMARY KEY (scope, bucket)
);

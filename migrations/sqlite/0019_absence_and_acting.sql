-- Absence pacer reads from the platform, and acting owners.
--
-- A person's platform status (a Slack status of vacation, sick leave or out of office; a Teams
-- presence of out of office), as last read: `absence_label` is what it said (NULL when the
-- person was not away), `absence_until` when the platform said it ends (NULL: no end given),
-- and `absence_checked_at` when pacer last asked, so a fan-out does not ask again within the
-- cache's lifetime.
ALTER TABLE people ADD COLUMN absence_label TEXT;
ALTER TABLE people ADD COLUMN absence_until BIGINT;
ALTER TABLE people ADD COLUMN absence_checked_at BIGINT;
-- The Azure AD object id Teams sends with a person's activities: Microsoft Graph's presence is
-- read by it.
ALTER TABLE people ADD COLUMN aad_object_id TEXT;

-- An away period may name who acts for the person: their prompts go to that person.
ALTER TABLE away_periods ADD COLUMN acting_person_id BIGINT REFERENCES people (id);

-- Why an owner was not asked in a cycle: 'period' (away <from> <to>), or the platform status
-- that said so ('status: …').
ALTER TABLE cycle_owners ADD COLUMN away_reason TEXT;

-- A priority asked of an acting owner names the owner it is asked for; so does an answer made
-- on the owner's behalf.
ALTER TABLE cycle_priorities ADD COLUMN on_behalf_of BIGINT REFERENCES people (id);
ALTER TABLE priority_updates ADD COLUMN on_behalf_of BIGINT REFERENCES people (id);

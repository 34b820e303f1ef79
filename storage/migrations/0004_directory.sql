-- 0004: what the roster said at the last import (three-way merge with
-- `!profil` edits), and the indexes matching needs at 100,000 profiles.

-- JSON of the roster columns as last imported for this person; NULL for a
-- profile that never came from the roster (a member of the facilitators room).
ALTER TABLE facilitators ADD COLUMN roster TEXT;

-- The pairing of cohorts reads MAX(cohort): an index makes it one lookup.
CREATE INDEX facilitators_cohort ON facilitators (cohort);

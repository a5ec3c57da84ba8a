-- The slip log: a due-date change carries the reason given with it (`edit #12 due:… "why"`).
-- A change of a due date a priority already had is a slip; the `slipping` drift rule counts
-- them from the history (field 'due' with an old value), through priority_history_by_time.
ALTER TABLE priority_history ADD COLUMN reason TEXT;

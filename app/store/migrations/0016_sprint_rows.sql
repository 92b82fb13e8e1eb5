-- Fewer index entries and rows per sprint (issue 15, the store).
--
-- A waiting execution's deadline moves from its own row in timers into the
-- execution's row (wait_due, NULL when there is no timer): the sprint that
-- starts or ends a wait already writes that row, so a timed wait no longer
-- costs a timers row, its two index entries and a DELETE on every resume.
-- The timer sweep finds due executions through the partial index.
ALTER TABLE executions ADD COLUMN wait_due TEXT;
UPDATE executions SET wait_due = (SELECT due FROM timers WHERE timers.execution_sid = executions.sid)
    WHERE sid IN (SELECT execution_sid FROM timers);
DROP TABLE timers;
CREATE INDEX executions_wait_due ON executions (wait_due) WHERE wait_due IS NOT NULL;

-- Every sprint changes date_updated, so (status, date_updated) was
-- rewritten by each of them; only the purge of ended executions reads it.
-- Indexing ended executions alone costs one entry when an execution ends.
DROP INDEX executions_by_status_updated;
CREATE INDEX executions_ended_by_updated ON executions (date_updated) WHERE status = 'ended';

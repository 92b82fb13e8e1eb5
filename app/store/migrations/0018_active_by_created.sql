-- One index entry fewer per execution, and no entry that moves when it
-- ends (issue 15, the store).
--
-- executions_by_status_created (status, date_created) took an entry when
-- an execution started, and when it ended it lost that entry and took
-- another under 'ended': three index writes per execution, on the one
-- writer's time, and two places in the index that every commit changed.
-- Its queries are served otherwise:
-- - the lifetime sweep (active executions by when they started) and the
--   count of active executions by the partial index below, which holds
--   active executions only: an entry when one starts, gone when it ends;
-- - the purge counting from the start (ended executions by when they
--   started) by executions_by_flow (flow_sid, date_created), one range per
--   flow (see PurgeEnded); the active executions in those ranges, the
--   only rows it passes over, are those older than the retention period.
-- The purge counting from the end keeps executions_ended_by_updated.
DROP INDEX executions_by_status_created;
CREATE INDEX executions_active_by_created ON executions (date_created) WHERE status = 'active';

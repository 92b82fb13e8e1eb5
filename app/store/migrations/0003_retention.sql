-- Retention: the purge finds ended executions by when they ended, and the
-- lifetime sweep finds active ones by when they started.
CREATE INDEX executions_by_status_updated ON executions (status, date_updated);
CREATE INDEX executions_by_status_created ON executions (status, date_created);
-- Superseded: listings go by flow (executions_by_flow), sweeps by status.
DROP INDEX executions_by_created;
-- The purge deletes an execution's outbox rows with it.
CREATE INDEX outbox_by_execution ON outbox (execution_sid);

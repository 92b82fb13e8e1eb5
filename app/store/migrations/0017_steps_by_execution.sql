-- Steps kept in their execution's order, one B-tree (issue 15, the store).
--
-- steps was a rowid table with two more B-trees beside it: the UNIQUE
-- index that its TEXT primary key (sid) implies, and steps_by_execution
-- (execution_sid, seq). Every step inserted wrote all three, and every
-- read of steps (an execution's steps in order, one step of an execution)
-- goes by execution_sid, so neither of the other two served a query alone.
-- Keyed by (execution_sid, seq) WITHOUT ROWID, the rows themselves are in
-- that order: one insert per step, and an execution's steps sit together on
-- the same page. A step's SID stays a column; nothing looks a step up
-- without its execution, and the engine makes step SIDs unique.
--
-- The columns keep their order, so the rows copy over as they are. Steps
-- whose execution is gone (none should be: deletes cascade) could never be
-- read and would fail the new table's foreign key; they stay behind.
CREATE TABLE steps_new (
    sid               TEXT NOT NULL,
    execution_sid     TEXT NOT NULL REFERENCES executions (sid) ON DELETE CASCADE,
    seq               INTEGER NOT NULL,
    flow_sid          TEXT NOT NULL,
    parent_step_sid   TEXT NOT NULL DEFAULT '',
    name              TEXT NOT NULL,
    transitioned_from TEXT NOT NULL,
    transitioned_to   TEXT NOT NULL,
    type              TEXT NOT NULL,
    context           TEXT NOT NULL DEFAULT '{}',
    events            TEXT NOT NULL DEFAULT '[]',
    date_created      TEXT NOT NULL,
    PRIMARY KEY (execution_sid, seq)
) WITHOUT ROWID;
INSERT INTO steps_new SELECT sid, execution_sid, seq, flow_sid, parent_step_sid, name, transitioned_from, transitioned_to,
    type, context, events, date_created FROM steps WHERE execution_sid IN (SELECT sid FROM executions);
DROP TABLE steps;
ALTER TABLE steps_new RENAME TO steps;

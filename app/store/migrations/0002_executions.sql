-- Executions, their steps, the outbox of side effects and the timers of
-- waits. An execution's whole engine state is one JSON document (state);
-- the columns beside it are what queries and constraints need.
CREATE TABLE test_users (
    flow_sid TEXT NOT NULL REFERENCES flows (sid) ON DELETE CASCADE,
    address  TEXT NOT NULL,
    PRIMARY KEY (flow_sid, address)
);

CREATE TABLE executions (
    sid           TEXT PRIMARY KEY,
    flow_sid      TEXT NOT NULL,
    flow_revision INTEGER NOT NULL,
    contact       TEXT NOT NULL,
    channel       TEXT NOT NULL,
    -- session_key is the contact, or contact and call for concurrent calls.
    session_key   TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('active', 'ended')),
    initiated_by  TEXT NOT NULL DEFAULT '',
    state         TEXT NOT NULL,
    date_created  TEXT NOT NULL,
    date_updated  TEXT NOT NULL
);
-- Studio: one active execution per contact and flow.
CREATE UNIQUE INDEX executions_one_active ON executions (flow_sid, session_key) WHERE status = 'active';
CREATE INDEX executions_by_flow ON executions (flow_sid, date_created);
CREATE INDEX executions_by_created ON executions (date_created);

CREATE TABLE steps (
    sid               TEXT PRIMARY KEY,
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
    date_created      TEXT NOT NULL
);
CREATE INDEX steps_by_execution ON steps (execution_sid, seq);

-- Side effects to perform after the sprint that asked for them committed.
CREATE TABLE outbox (
    id            TEXT PRIMARY KEY,
    execution_sid TEXT NOT NULL,
    kind          TEXT NOT NULL,
    payload       TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    due           TEXT NOT NULL,
    date_created  TEXT NOT NULL
);
CREATE INDEX outbox_pending ON outbox (status, due);

-- A waiting execution's deadline; one per execution.
CREATE TABLE timers (
    execution_sid TEXT PRIMARY KEY REFERENCES executions (sid) ON DELETE CASCADE,
    widget        TEXT NOT NULL,
    due           TEXT NOT NULL
);
CREATE INDEX timers_by_due ON timers (due);

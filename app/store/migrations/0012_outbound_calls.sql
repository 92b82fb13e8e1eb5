-- Outbound calls the flows placed (make-outgoing-call-v1/v2), shaped like
-- Twilio's Call resource.
--
-- A row is written queued in the transaction of the sprint that asked for
-- the call, so a call is placed if and only if its sprint committed. A
-- dialer claims a queued row by setting status dialing with lease_until and
-- places the call once. A row still dialing when the appliance starts was
-- left by a process that died mid-dial: it becomes failed and is never
-- dialled again (see app/voice/dialer.go). resumed says the execution was
-- told the result; a result not yet told is told at start-up.
CREATE TABLE outbound_calls (
    sid                       TEXT PRIMARY KEY,            -- CA…, the CallSid the flow sees
    execution_sid             TEXT NOT NULL,
    flow_sid                  TEXT NOT NULL,
    widget                    TEXT NOT NULL DEFAULT '',
    from_address              TEXT NOT NULL,
    to_address                TEXT NOT NULL,
    timeout                   INTEGER NOT NULL DEFAULT 60,  -- ring seconds
    record                    INTEGER NOT NULL DEFAULT 0,
    machine_detection         TEXT NOT NULL DEFAULT '',     -- '', Enable or DetectMessageEnd
    machine_detection_timeout INTEGER NOT NULL DEFAULT 0,   -- seconds
    send_digits               TEXT NOT NULL DEFAULT '',
    status                    TEXT NOT NULL CHECK (status IN ('queued', 'dialing', 'in-progress', 'busy', 'no-answer', 'failed', 'canceled')),
    answered_by               TEXT NOT NULL DEFAULT '',
    sip_call_id               TEXT NOT NULL DEFAULT '',
    error_message             TEXT NOT NULL DEFAULT '',
    lease_until               TEXT NOT NULL DEFAULT '',
    resumed                   INTEGER NOT NULL DEFAULT 0,
    date_created              TEXT NOT NULL,
    date_updated              TEXT NOT NULL
);
CREATE INDEX outbound_calls_queued ON outbound_calls (date_created) WHERE status = 'queued';
CREATE INDEX outbound_calls_dialing ON outbound_calls (status) WHERE status = 'dialing';
CREATE INDEX outbound_calls_untold ON outbound_calls (date_updated) WHERE resumed = 0 AND status NOT IN ('queued', 'dialing');
CREATE INDEX outbound_calls_execution ON outbound_calls (execution_sid);

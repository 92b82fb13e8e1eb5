-- SMS gateways and the messages they carry (see app/sms).
--
-- A gateway is a modem, an SMSC or an HTTP gateway. settings is the kind's
-- JSON object, secrets included (the data directory is the appliance's own);
-- the API never returns the fields its kind calls secret. addresses is the
-- JSON array of the numbers (or sender ids) it owns; "*" makes it the
-- gateway for addresses no other gateway owns.
CREATE TABLE sms_gateways (
    sid             TEXT PRIMARY KEY,
    friendly_name   TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL,
    addresses       TEXT NOT NULL DEFAULT '[]',
    settings        TEXT NOT NULL DEFAULT '{}',
    enabled         INTEGER NOT NULL DEFAULT 1,
    rate_per_minute INTEGER NOT NULL DEFAULT 0, -- 0: as fast as the gateway goes
    date_created    TEXT NOT NULL,
    date_updated    TEXT NOT NULL
);

-- Messages in both directions, shaped like Twilio's Message resource.
-- Outbound rows are the outbox: status queued rows are due at next_attempt;
-- a sender claims one by setting status sending and lease_until, and a row
-- whose lease ran out (the process died mid-send) is taken as "maybe sent"
-- (see app/sms/queue). Inbound rows are the inbox: received rows not yet
-- handed to a flow have handled = 0.
CREATE TABLE sms_messages (
    sid             TEXT PRIMARY KEY,            -- SM…
    direction       TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound-api', 'outbound-reply')),
    gateway_sid     TEXT NOT NULL DEFAULT '',
    execution_sid   TEXT NOT NULL DEFAULT '',
    flow_sid        TEXT NOT NULL DEFAULT '',
    from_address    TEXT NOT NULL,
    to_address      TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL,
    num_segments    INTEGER NOT NULL DEFAULT 0,
    error_code      INTEGER NOT NULL DEFAULT 0,
    error_message   TEXT NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt    TEXT NOT NULL DEFAULT '',
    lease_until     TEXT NOT NULL DEFAULT '',
    provider_id     TEXT NOT NULL DEFAULT '',    -- inbound: the gateway's id, for dropping redeliveries
    incomplete      INTEGER NOT NULL DEFAULT 0,  -- inbound: parts never came
    handled         INTEGER NOT NULL DEFAULT 1,  -- inbound: handed to a flow (or to nobody, on purpose)
    notified        TEXT NOT NULL DEFAULT '',    -- outbound: the last status its execution and callback were told
    status_callback TEXT NOT NULL DEFAULT '',
    date_created    TEXT NOT NULL,
    date_updated    TEXT NOT NULL,
    date_sent       TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX sms_messages_provider ON sms_messages (gateway_sid, provider_id) WHERE provider_id != '';
CREATE INDEX sms_messages_due ON sms_messages (status, next_attempt) WHERE status IN ('queued', 'sending');
CREATE INDEX sms_messages_unhandled ON sms_messages (date_created) WHERE handled = 0;
CREATE INDEX sms_messages_unnotified ON sms_messages (date_updated) WHERE notified != status AND direction != 'inbound';
CREATE INDEX sms_messages_created ON sms_messages (date_created);
CREATE INDEX sms_messages_execution ON sms_messages (execution_sid) WHERE execution_sid != '';

-- The peer's reference for each part sent, for matching delivery reports:
-- a modem's 8-bit TP-MR comes round again within minutes, so a report
-- matches the newest part with its reference and recipient sent within the
-- report's window.
CREATE TABLE sms_parts (
    gateway_sid  TEXT NOT NULL,
    ref          TEXT NOT NULL,
    recipient    TEXT NOT NULL,
    message_sid  TEXT NOT NULL REFERENCES sms_messages (sid) ON DELETE CASCADE,
    part         INTEGER NOT NULL,
    status       TEXT NOT NULL DEFAULT 'sent',
    date_sent    TEXT NOT NULL
);
CREATE INDEX sms_parts_ref ON sms_parts (gateway_sid, ref, date_sent);
CREATE INDEX sms_parts_message ON sms_parts (message_sid);

-- Messages the flows queued before this migration move to the new outbox.
INSERT INTO sms_messages (sid, direction, execution_sid, from_address, to_address, body, status, next_attempt, notified, date_created, date_updated)
SELECT o.id, 'outbound-api', o.execution_sid,
       COALESCE(json_extract(o.payload, '$.from'), ''), COALESCE(json_extract(o.payload, '$.to'), ''),
       COALESCE(json_extract(o.payload, '$.body'), ''), 'queued', o.due, 'queued', o.date_created, o.date_created
FROM outbox o WHERE o.kind = 'message' AND o.status = 'pending';
-- Messages were the outbox's only kind: the table goes.
DROP TABLE outbox;

-- Webhook receipts: Twilio and proxies deliver a webhook again; the key of
-- every one answered (a MessageSid, a call's CallSid and callback) is kept
-- with the answer, so a repeat answers the same and changes nothing. The
-- key is inserted in the transaction of the sprint the webhook caused
-- (status 0, no answer yet) and the answer written once it is known.
CREATE TABLE webhook_receipts (
    key          TEXT PRIMARY KEY,
    flow_sid     TEXT NOT NULL,
    status       INTEGER NOT NULL DEFAULT 0, -- HTTP status of the answer; 0 while it is not written
    content_type TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL DEFAULT '',
    date_created TEXT NOT NULL
);
-- The purge: receipts past their age.
CREATE INDEX webhook_receipts_by_created ON webhook_receipts (date_created);

-- Event Streams: Studio's execution and step events (CloudEvents JSON), one
-- row per event and sink, written in the transaction of the sprint that made
-- them and delivered by the dispatcher in batches. Rows are only written
-- when a sink is configured.
CREATE TABLE event_outbox (
    id           INTEGER PRIMARY KEY, -- delivery order
    event_id     TEXT NOT NULL,       -- the CloudEvent's id
    sink         TEXT NOT NULL,       -- the sink URL
    payload      TEXT NOT NULL,       -- one CloudEvent, JSON
    status       TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt TEXT NOT NULL,
    last_error   TEXT NOT NULL DEFAULT '',
    date_created TEXT NOT NULL
);
-- The dispatcher: due rows of one sink, oldest first.
CREATE INDEX event_outbox_due ON event_outbox (status, sink, next_attempt);
-- The purge: delivered and failed rows past the retention.
CREATE INDEX event_outbox_by_created ON event_outbox (status, date_created);

-- Local call queues for enqueue-call (Twilio's Queue resource plus the
-- desk phones that answer it). Who waits in a queue is not stored: callers
-- are live calls held by this process (app/voice's queue manager); only the
-- queue's settings are. agents is a JSON array of desk-phone SIP usernames
-- (sip_credentials.username), in the order the queue was given them.
-- hold_music is "tone" or a media file name, resolved as say-play's play
-- URLs are.
CREATE TABLE queues (
    sid               TEXT PRIMARY KEY,
    friendly_name     TEXT NOT NULL UNIQUE,
    max_size          INTEGER NOT NULL DEFAULT 100,
    hold_music        TEXT NOT NULL DEFAULT 'tone',
    announce_position INTEGER NOT NULL DEFAULT 0,
    agents            TEXT NOT NULL DEFAULT '[]',
    date_created      TEXT NOT NULL,
    date_updated      TEXT NOT NULL
);

-- API keys (Twilio's SK... keys): the secret is shown once, at creation;
-- only its SHA-256 is kept. Revoking a key deletes it.
CREATE TABLE api_keys (
    sid           TEXT PRIMARY KEY,
    friendly_name TEXT NOT NULL DEFAULT '',
    secret_hash   TEXT NOT NULL,
    date_created  TEXT NOT NULL,
    date_updated  TEXT NOT NULL
);

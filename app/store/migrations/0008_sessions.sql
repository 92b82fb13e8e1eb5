-- Editor sign-in sessions: the cookie's token is never stored, only its
-- SHA-256. A session made with an API key ends when the key is revoked.
-- Expired rows are purged when sessions are created.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    account_sid  TEXT NOT NULL,
    key_sid      TEXT NOT NULL DEFAULT '',
    date_created TEXT NOT NULL,
    expires      TEXT NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires);

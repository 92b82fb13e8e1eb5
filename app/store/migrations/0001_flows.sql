-- Flows and their immutable revisions, as Studio's Flows v2 API shows them.
-- Portable SQL (SQLite now, PostgreSQL later): TEXT timestamps in RFC 3339 UTC.
CREATE TABLE flows (
    sid           TEXT PRIMARY KEY,
    friendly_name TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    revision      INTEGER NOT NULL,
    date_created  TEXT NOT NULL,
    date_updated  TEXT NOT NULL
);

CREATE TABLE flow_revisions (
    flow_sid       TEXT NOT NULL REFERENCES flows (sid) ON DELETE CASCADE,
    revision       INTEGER NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    definition     TEXT NOT NULL,
    commit_message TEXT NOT NULL DEFAULT '',
    valid          INTEGER NOT NULL,
    errors         TEXT NOT NULL DEFAULT '[]',
    warnings       TEXT NOT NULL DEFAULT '[]',
    date_created   TEXT NOT NULL,
    PRIMARY KEY (flow_sid, revision)
);

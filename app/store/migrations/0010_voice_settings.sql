-- Voice settings kept in the store and applied while the appliance runs.
-- Trunks are SIP providers or PBXs we register with. The password must be
-- usable for REGISTER, so it is kept as given (the data directory is the
-- appliance's own); the API never returns it. source is 'flag' for a trunk
-- seeded from --trunk / SWITCHBOARD_TRUNKS (rewritten from the flag at each
-- start), 'api' otherwise.
CREATE TABLE sip_trunks (
    sid           TEXT PRIMARY KEY,
    friendly_name TEXT NOT NULL UNIQUE,
    registrar     TEXT NOT NULL,
    username      TEXT NOT NULL DEFAULT '',
    password      TEXT NOT NULL DEFAULT '',
    domain        TEXT NOT NULL DEFAULT '',
    expires       INTEGER NOT NULL,
    transport     TEXT NOT NULL DEFAULT 'udp',
    numbers       TEXT NOT NULL DEFAULT '[]', -- JSON array of E.164 numbers
    source        TEXT NOT NULL DEFAULT 'api',
    date_created  TEXT NOT NULL,
    date_updated  TEXT NOT NULL
);

-- Desk phones that register with us, shaped like Twilio's SIP credential
-- lists and credentials. Every credential of every list may register (the
-- appliance is one SIP domain). Only the digest HA1 is kept, with the realm
-- it was made for; usernames are unique across lists (one AOR each).
CREATE TABLE sip_credential_lists (
    sid           TEXT PRIMARY KEY,
    friendly_name TEXT NOT NULL,
    source        TEXT NOT NULL DEFAULT 'api',
    date_created  TEXT NOT NULL,
    date_updated  TEXT NOT NULL
);

CREATE TABLE sip_credentials (
    sid                 TEXT PRIMARY KEY,
    credential_list_sid TEXT NOT NULL REFERENCES sip_credential_lists(sid) ON DELETE CASCADE,
    username            TEXT NOT NULL UNIQUE,
    ha1                 TEXT NOT NULL,
    realm               TEXT NOT NULL,
    date_created        TEXT NOT NULL,
    date_updated        TEXT NOT NULL
);
CREATE INDEX sip_credentials_list ON sip_credentials (credential_list_sid, date_created);

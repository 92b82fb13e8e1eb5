-- Phone numbers and SIP users routed to flows, shaped like Twilio's
-- IncomingPhoneNumbers: a number's voice and messaging sides may each
-- point at a flow.
CREATE TABLE numbers (
    sid            TEXT PRIMARY KEY,
    phone_number   TEXT NOT NULL UNIQUE,
    friendly_name  TEXT NOT NULL DEFAULT '',
    voice_flow_sid TEXT NOT NULL DEFAULT '',
    sms_flow_sid   TEXT NOT NULL DEFAULT '',
    date_created   TEXT NOT NULL,
    date_updated   TEXT NOT NULL
);

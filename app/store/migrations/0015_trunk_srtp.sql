-- A trunk's SRTP policy (SDES, RFC 4568): 'off' (plain RTP, as before),
-- 'optional' (offer SRTP, take either) or 'required' (SRTP only). SDES keys
-- travel in the SDP, so they are only private over TLS signalling.
ALTER TABLE sip_trunks ADD COLUMN srtp TEXT NOT NULL DEFAULT 'off'
    CHECK (srtp IN ('off', 'optional', 'required'));

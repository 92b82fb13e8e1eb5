-- SIP over TLS for trunks (transport 'tls'). tls_ca_file is a PEM file of
-- the CAs that sign the trunk's certificate ('' = the system roots);
-- tls_insecure_skip_verify (0/1) turns the certificate check off, which
-- the appliance logs loudly at every start and connection.
ALTER TABLE sip_trunks ADD COLUMN tls_ca_file TEXT NOT NULL DEFAULT '';
ALTER TABLE sip_trunks ADD COLUMN tls_insecure_skip_verify INTEGER NOT NULL DEFAULT 0;

// Package httpgw is the "http" gateway kind: SMS through a peer that speaks
// HTTP. Three presets share one outbound client and one inbound handler:
//
//   - kannel: Kannel's smsbox sendsms CGI for MT, an sms-service get-url for
//     MO and the dlr-url of each send for delivery reports. Kannel gives no
//     id on accept, so Send makes its own reference and puts it (with a
//     per-reference token derived from the inbound secret) in the dlr-url.
//   - android: the "SMS Gateway for Android" app's local server (POST
//     /message) and its webhooks (sms:received, sms:sent, sms:delivered,
//     sms:failed), signed with X-Signature/X-Timestamp when a signing key is
//     set.
//   - generic: a request template (method, URL, headers, body with
//     placeholders escaped for the body's encoding) and an inbound field
//     mapping with an optional HMAC-SHA256 signature header.
//
// The appliance mounts Inbound() under /sms/gateways/{GatewaySid}/ with the
// prefix stripped; callbacks land on mo, dlr (kannel, generic) or webhook
// (android). A callback is acknowledged with 2xx only after the Sink
// committed it; unauthenticated callbacks get 401 and reach nothing.
//
// Secrets (passwords, tokens, shared secrets) are redacted from every error
// and log string, including the Kannel sendsms URL that carries the
// password in its query.
package httpgw

// Package sip is the SIP user agent on sipgo. It listens on UDP and TCP,
// admits inbound INVITEs from an IP allow-list (loopback by default), from
// its trunks' hosts or from endpoints registered with its own digest-auth
// registrar, and refuses the rest; it registers with trunks; it caps
// concurrent calls (503 with Retry-After). For an admitted call it asks the
// app's Router where the call goes, negotiates G.711 and RFC 4733
// telephone-events in the SDP offer/answer, and hands the Call (answer,
// reject, hang up, SIP INFO digits, hold and re-INVITE/UPDATE media
// changes) to the app's Handler. Inbound calls only: outbound calls are not
// built yet. Header values it sends are sanitised, and sipgo's own log
// lines are capped.
//
// It knows nothing of flows and carries no media: it imports neither
// engine/, media/ nor app/. The app (app/voice) plays and records the
// call's audio with media/ and runs the flow's verbs.
package sip

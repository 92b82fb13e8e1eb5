// Package sip is the SIP user agent on sipgo: listeners, trunks and
// registration, inbound and outbound calls, SDP offer/answer, and the verb
// executor for a call. It knows nothing of flows: it imports media/, never
// engine/ or app/.
package sip

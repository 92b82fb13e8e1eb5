package api

import "net/http"

// routesWebhooks registers the Twilio-shaped webhooks.
// TODO(issue 4): POST /v1/Accounts/{AccountSid}/Flows/{FlowSid}.
func (s *Server) routesWebhooks(mux *http.ServeMux) {}

// signedWebhook reports whether r is a webhook request with a valid
// X-Twilio-Signature.
func (s *Server) signedWebhook(r *http.Request) bool { return false }

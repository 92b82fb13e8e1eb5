package api

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
)

// SIPDomain is Twilio's SIP Domain resource as the appliance has it: one
// domain, itself — the address desk phones register to (with a username of
// any credential list) and send calls to. Read-only: the address comes from
// `serve --sip` / `--sip-advertise`.
type SIPDomain struct {
	SID          string `json:"sid"`
	AccountSID   string `json:"account_sid"`
	FriendlyName string `json:"friendly_name"`
	DomainName   string `json:"domain_name"`
	// SipRegistration is true: phones may register (Twilio's field).
	SipRegistration bool   `json:"sip_registration"`
	URI             string `json:"uri"`
}

// voiceAddress is the SIP server's address when the voice service has one.
func (s *Server) voiceAddress() string {
	if a, ok := s.Voice.(interface{ Address() string }); ok && s.Voice != nil {
		return a.Address()
	}
	return ""
}

func (s *Server) domainJSON() SIPDomain {
	h := sha256.Sum256([]byte("sip-domain:" + s.accountSID()))
	sid := "SD" + hex.EncodeToString(h[:16])
	return SIPDomain{SID: sid, AccountSID: s.accountSID(), FriendlyName: "Switchboard", DomainName: s.voiceAddress(),
		SipRegistration: true, URI: "/2010-04-01/Accounts/" + s.accountSID() + "/SIP/Domains/" + sid + ".json"}
}

// listSIPDomains answers GET …/SIP/Domains.json: the appliance's one domain,
// or none when it runs without SIP.
func (s *Server) listSIPDomains(w http.ResponseWriter, r *http.Request) {
	out := []SIPDomain{}
	if s.voiceAddress() != "" {
		out = append(out, s.domainJSON())
	}
	writeJSON(w, http.StatusOK, map[string]any{"domains": out,
		"meta": map[string]any{"page": 0, "page_size": len(out), "key": "domains", "next_page_uri": nil}})
}

// fetchSIPDomain answers GET …/SIP/Domains/{Sid}.
func (s *Server) fetchSIPDomain(w http.ResponseWriter, r *http.Request) {
	d := s.domainJSON()
	if s.voiceAddress() == "" || strings.TrimSuffix(r.PathValue("Sid"), ".json") != d.SID {
		writeError(w, notFound(r))
		return
	}
	writeJSON(w, http.StatusOK, d)
}

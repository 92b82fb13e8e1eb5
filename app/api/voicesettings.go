package api

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/switchboard/switchboard/app/sid"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/sip"
)

// VoiceSettings applies stored trunks and desk-phone credentials to the
// running SIP side (no restart) and shows registered desk phones.
type VoiceSettings interface {
	// Apply hands the stored settings to the SIP server; it never waits
	// for a registrar.
	Apply(ctx context.Context) error
	// Realm is the digest realm desk-phone passwords are hashed for (HA1).
	Realm() string
	Registrations() []sip.Registration
}

// SID prefixes of the voice settings.
const (
	trunkPrefix    = "TK"
	credListPrefix = "CL"
	credPrefix     = "CR"
)

// Trunk is a stored SIP trunk with its live registration state. The
// password is write-only: password_set says whether one is kept. name,
// state, expires (granted, seconds), last_error and last_change are the
// original GET /v2/Voice/Trunks fields, kept for scripts that read them.
type Trunk struct {
	SID              string `json:"sid"`
	FriendlyName     string `json:"friendly_name"`
	Registrar        string `json:"registrar"`
	Username         string `json:"username"`
	PasswordSet      bool   `json:"password_set"`
	Domain           string `json:"domain"`
	RequestedExpires int    `json:"requested_expires"` // the Expires parameter
	Transport        string `json:"transport"`
	// TLS (transport "tls"): the CA file that signs the trunk's
	// certificate ("" = the system roots), and the explicit opt-out.
	TLSCAFile             string `json:"tls_ca_file"`
	TLSInsecureSkipVerify bool   `json:"tls_insecure_skip_verify"`

	Numbers     []string `json:"numbers"`
	Source      string   `json:"source"` // "api", or "flag": rewritten from --trunk at each start
	Status      string   `json:"status"` // registering, registered, failed, unregistered
	LastError   *string  `json:"last_error"`
	NextRefresh *string  `json:"next_refresh"` // next REGISTER: refresh or retry
	DateCreated string   `json:"date_created"`
	DateUpdated string   `json:"date_updated"`
	URL         string   `json:"url"`
	// SRTP is the trunk's SRTP policy (form field Srtp): off, optional or
	// required. SDES keys ride in the SDP: private only over TLS.
	SRTP string `json:"srtp"`

	Name       string `json:"name"`
	State      string `json:"state"`
	Expires    int    `json:"expires"`
	LastChange string `json:"last_change"`
}

// CredentialList is Twilio's SIP credential list.
type CredentialList struct {
	SID             string            `json:"sid"`
	AccountSID      string            `json:"account_sid"`
	FriendlyName    string            `json:"friendly_name"`
	Source          string            `json:"source"`
	DateCreated     string            `json:"date_created"`
	DateUpdated     string            `json:"date_updated"`
	URI             string            `json:"uri"`
	SubresourceURIs map[string]string `json:"subresource_uris"`
}

// Credential is Twilio's SIP credential (the password is write-only),
// with the phone's registration when it is registered (ours).
type Credential struct {
	SID               string        `json:"sid"`
	AccountSID        string        `json:"account_sid"`
	CredentialListSID string        `json:"credential_list_sid"`
	Username          string        `json:"username"`
	PasswordSet       bool          `json:"password_set"`
	DateCreated       string        `json:"date_created"`
	DateUpdated       string        `json:"date_updated"`
	URI               string        `json:"uri"`
	Registration      *Registration `json:"registration"`
}

// Registration is a desk phone's current binding.
type Registration struct {
	Contact string `json:"contact"`
	Source  string `json:"source"`
	Expires string `json:"expires"`
}

func (s *Server) routesVoiceSettings(mux *http.ServeMux) {
	mux.HandleFunc("GET /v2/Voice/Trunks", s.listTrunks)
	mux.HandleFunc("POST /v2/Voice/Trunks", s.createTrunk)
	mux.HandleFunc("GET /v2/Voice/Trunks/{Sid}", s.fetchTrunk)
	mux.HandleFunc("POST /v2/Voice/Trunks/{Sid}", s.updateTrunk)
	mux.HandleFunc("DELETE /v2/Voice/Trunks/{Sid}", s.deleteTrunk)

	mux.HandleFunc("GET /2010-04-01/Accounts/{AccountSid}/SIP/Domains.json", s.accountPath(s.listSIPDomains))
	mux.HandleFunc("GET /2010-04-01/Accounts/{AccountSid}/SIP/Domains/{Sid}", s.accountPath(s.fetchSIPDomain))

	const lists = "/2010-04-01/Accounts/{AccountSid}/SIP/CredentialLists"
	mux.HandleFunc("POST "+lists+".json", s.accountPath(s.createCredList))
	mux.HandleFunc("GET "+lists+".json", s.accountPath(s.listCredLists))
	mux.HandleFunc("GET "+lists+"/{Sid}", s.accountPath(s.fetchCredList))
	mux.HandleFunc("POST "+lists+"/{Sid}", s.accountPath(s.updateCredList))
	mux.HandleFunc("DELETE "+lists+"/{Sid}", s.accountPath(s.deleteCredList))
	mux.HandleFunc("POST "+lists+"/{List}/Credentials.json", s.accountPath(s.createCred))
	mux.HandleFunc("GET "+lists+"/{List}/Credentials.json", s.accountPath(s.listCreds))
	mux.HandleFunc("GET "+lists+"/{List}/Credentials/{Sid}", s.accountPath(s.fetchCred))
	mux.HandleFunc("POST "+lists+"/{List}/Credentials/{Sid}", s.accountPath(s.updateCred))
	mux.HandleFunc("DELETE "+lists+"/{List}/Credentials/{Sid}", s.accountPath(s.deleteCred))
}

// accountPath answers 404 for another account's path.
func (s *Server) accountPath(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("AccountSid") != s.accountSID() {
			writeError(w, notFound(r))
			return
		}
		h(w, r)
	}
}

// fieldMissing and fieldInvalid name the parameter in details.parameter,
// for forms to put the message beside the field.
func fieldMissing(param string) *Error { return missing(param).with("parameter", param) }

func fieldInvalid(param, format string, args ...any) *Error {
	return invalid(param, format, args...).with("parameter", param)
}

// applyVoice pushes the stored settings to the SIP side after a change.
func (s *Server) applyVoice(r *http.Request) {
	if s.VoiceSettings == nil {
		return
	}
	if err := s.VoiceSettings.Apply(r.Context()); err != nil {
		s.Log.Error("voice settings not applied", "err", err)
	}
}

func pathSID(r *http.Request, name string) string {
	return strings.TrimSuffix(r.PathValue(name), ".json")
}

// ---- trunks

var (
	sipUser  = regexp.MustCompile(`^[A-Za-z0-9._~+\-]{1,64}$`)
	hostName = regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*$`)
	e164     = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)
)

func hasControl(v string) bool {
	return strings.IndexFunc(v, unicode.IsControl) >= 0
}

// validHost accepts a host name, an IPv4 address or a bracketed IPv6 one.
func validHost(h string) bool {
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		ip := net.ParseIP(h[1 : len(h)-1])
		return ip != nil && ip.To4() == nil
	}
	return net.ParseIP(h) != nil || (len(h) <= 253 && hostName.MatchString(h))
}

// registrarParam reads host[:port]; the port defaults to 5060.
// registrarParam reads host[:port]; the port defaults to defPort (5060,
// or 5061 for TLS).
func registrarParam(v, defPort string) (string, *Error) {
	v = strings.TrimSpace(v)
	host, port := v, defPort
	if h, p, err := net.SplitHostPort(v); err == nil {
		host, port = h, p
		if strings.Contains(h, ":") {
			host = "[" + h + "]"
		}
	}
	if !validHost(host) {
		return "", fieldInvalid("Registrar", "%q must be host:port, e.g. sip.example.com:5060", v)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fieldInvalid("Registrar", "port %q must be 1-65535", port)
	}
	return strings.TrimPrefix(strings.TrimSuffix(host, "]"), "[") + ":" + port, nil
}

func fixRegistrar(hp string) string { // re-bracket an IPv6 host
	h, p, err := net.SplitHostPort(hp)
	if err != nil {
		return hp
	}
	return net.JoinHostPort(h, p)
}

// numbersParam reads Numbers: repeated, or separated by commas or spaces.
func numbersParam(f url.Values) ([]string, *Error) {
	var out []string
	for _, v := range f["Numbers"] {
		for _, n := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
			if !e164.MatchString(n) {
				return nil, fieldInvalid("Numbers", "%q is not an E.164 number (+15551234567)", n)
			}
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out, nil
}

// trunkParams applies the form to t (a new trunk or the stored one); it
// refuses the first bad field. Absent fields keep t's values.
func trunkParams(f url.Values, t store.Trunk, create bool) (store.Trunk, *Error) {
	has := func(name string) bool { _, ok := f[name]; return ok }
	if create || has("FriendlyName") {
		name := strings.TrimSpace(f.Get("FriendlyName"))
		switch {
		case name == "":
			return t, fieldMissing("FriendlyName")
		case len(name) > 64 || hasControl(name):
			return t, fieldInvalid("FriendlyName", "must be 1-64 printable characters")
		}
		t.FriendlyName = name
	}
	if create || has("Registrar") {
		v := f.Get("Registrar")
		if strings.TrimSpace(v) == "" {
			return t, fieldMissing("Registrar")
		}
		tr := t.Transport
		if has("Transport") {
			tr = strings.ToLower(strings.TrimSpace(f.Get("Transport")))
		}
		defPort := "5060"
		if tr == "tls" {
			defPort = "5061" // RFC 3261 §19.1.2: sips and TLS default to 5061
		}
		reg, e := registrarParam(v, defPort)
		if e != nil {
			return t, e
		}
		t.Registrar = fixRegistrar(reg)
	}
	if has("Username") {
		u := strings.TrimSpace(f.Get("Username"))
		if u != "" && !sipUser.MatchString(u) {
			return t, fieldInvalid("Username", "must be 1-64 letters, digits or . _ ~ + -")
		}
		t.Username = u
	}
	if has("Password") {
		p := f.Get("Password")
		if len(p) > 128 || hasControl(p) {
			return t, fieldInvalid("Password", "must be at most 128 printable characters")
		}
		t.Password = p
	}
	if t.Username != "" && t.Password == "" {
		return t, fieldMissing("Password")
	}
	if has("Domain") {
		d := strings.TrimSpace(f.Get("Domain"))
		if d != "" && !validHost(d) {
			return t, fieldInvalid("Domain", "%q is not a host name", d)
		}
		t.Domain = d
	}
	if has("Expires") {
		n, err := strconv.Atoi(strings.TrimSpace(f.Get("Expires")))
		if err != nil || n < 30 || n > 86400 {
			return t, fieldInvalid("Expires", "must be 30-86400 seconds")
		}
		t.Expires = n
	} else if create {
		t.Expires = 3600
	}
	if has("Transport") {
		tr := strings.ToLower(strings.TrimSpace(f.Get("Transport")))
		if tr != "udp" && tr != "tcp" && tr != "tls" {
			return t, fieldInvalid("Transport", "must be udp, tcp or tls")
		}
		t.Transport = tr
	} else if create {
		t.Transport = "udp"
	}
	if has("TlsCaFile") {
		v := strings.TrimSpace(f.Get("TlsCaFile"))
		if v != "" && (!filepath.IsAbs(v) || len(v) > 1024 || hasControl(v)) {
			return t, fieldInvalid("TlsCaFile", "must be an absolute path to a PEM file on this machine")
		}
		t.TLSCAFile = v
	}
	if has("TlsInsecureSkipVerify") {
		b, err := strconv.ParseBool(strings.TrimSpace(f.Get("TlsInsecureSkipVerify")))
		if err != nil {
			return t, fieldInvalid("TlsInsecureSkipVerify", "must be true or false")
		}
		t.TLSInsecureSkipVerify = b
	}
	if has("Srtp") {
		p := strings.ToLower(strings.TrimSpace(f.Get("Srtp")))
		if p == "" || !sip.ValidSRTPPolicy(p) {
			return t, fieldInvalid("Srtp", "must be off, optional or required")
		}
		t.SRTP = p
	}
	if has("Numbers") {
		nums, e := numbersParam(f)
		if e != nil {
			return t, e
		}
		t.Numbers = nums
	}
	return t, nil
}

func (s *Server) trunkJSON(t *store.Trunk, live map[string]sip.TrunkStatus) Trunk {
	out := Trunk{SID: t.SID, FriendlyName: t.FriendlyName, Registrar: t.Registrar, Username: t.Username, PasswordSet: t.Password != "",
		Domain: t.Domain, RequestedExpires: t.Expires, Transport: t.Transport, Numbers: t.Numbers, Source: t.Source,
		TLSCAFile: t.TLSCAFile, TLSInsecureSkipVerify: t.TLSInsecureSkipVerify,
		Status: sip.TrunkUnregistered, DateCreated: iso(t.DateCreated), DateUpdated: iso(t.DateUpdated),
		URL: "/v2/Voice/Trunks/" + t.SID, Name: t.FriendlyName, LastChange: iso(t.DateUpdated), SRTP: t.SRTP}
	if out.Numbers == nil {
		out.Numbers = []string{}
	}
	if st, ok := live[t.SID]; ok {
		out.Status, out.LastError, out.Expires = st.State, nullable(st.LastError), int(st.Expires/time.Second)
		if !st.NextAttempt.IsZero() {
			next := iso(st.NextAttempt)
			out.NextRefresh = &next
		}
		out.LastChange = iso(st.LastChange)
		if st.LastChange.After(t.DateUpdated) {
			out.DateUpdated = iso(st.LastChange)
		}
	}
	out.State = out.Status
	return out
}

func (s *Server) liveTrunks() map[string]sip.TrunkStatus {
	m := map[string]sip.TrunkStatus{}
	if s.Voice != nil {
		for _, st := range s.Voice.Trunks() {
			m[st.Key] = st
		}
	}
	return m
}

func (s *Server) listTrunks(w http.ResponseWriter, r *http.Request) {
	rows, err := s.Store.Trunks(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	live := s.liveTrunks()
	out := make([]Trunk, 0, len(rows))
	for i := range rows {
		out = append(out, s.trunkJSON(&rows[i], live))
	}
	writeJSON(w, http.StatusOK, map[string]any{"trunks": out})
}

func (s *Server) createTrunk(w http.ResponseWriter, r *http.Request) {
	f, e := form(w, r)
	if e != nil {
		writeError(w, e)
		return
	}
	t, e := trunkParams(f, store.Trunk{SID: sid.New(trunkPrefix)}, true)
	if e != nil {
		writeError(w, e)
		return
	}
	out, err := s.Store.CreateTrunk(r.Context(), t)
	s.trunkSaved(w, r, t, out, err, http.StatusCreated)
}

// trunkSaved answers a create or an update: 409 for a taken name, the
// store's error, or the trunk (applied to the running SIP server first).
func (s *Server) trunkSaved(w http.ResponseWriter, r *http.Request, t store.Trunk, out *store.Trunk, err error, status int) {
	if errors.Is(err, store.ErrDuplicate) {
		writeError(w, apiError(http.StatusConflict, CodeConflict, "A trunk named %q already exists", t.FriendlyName).with("parameter", "FriendlyName"))
		return
	}
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	s.applyVoice(r)
	writeJSON(w, status, s.trunkJSON(out, s.liveTrunks()))
}

func (s *Server) fetchTrunk(w http.ResponseWriter, r *http.Request) {
	t, err := s.Store.TrunkBySID(r.Context(), pathSID(r, "Sid"))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.trunkJSON(t, s.liveTrunks()))
}

func (s *Server) updateTrunk(w http.ResponseWriter, r *http.Request) {
	cur, err := s.Store.TrunkBySID(r.Context(), pathSID(r, "Sid"))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	f, e := form(w, r)
	if e != nil {
		writeError(w, e)
		return
	}
	t, e := trunkParams(f, *cur, false)
	if e != nil {
		writeError(w, e)
		return
	}
	out, err := s.Store.UpdateTrunk(r.Context(), t)
	s.trunkSaved(w, r, t, out, err, http.StatusOK)
}

func (s *Server) deleteTrunk(w http.ResponseWriter, r *http.Request) {
	if err := s.Store.DeleteTrunk(r.Context(), pathSID(r, "Sid")); err != nil {
		s.storeError(w, r, err)
		return
	}
	s.applyVoice(r)
	w.WriteHeader(http.StatusNoContent)
}

// ---- credential lists and credentials (desk phones)

func (s *Server) credListJSON(l *store.CredentialList) CredentialList {
	uri := "/2010-04-01/Accounts/" + s.accountSID() + "/SIP/CredentialLists/" + l.SID
	return CredentialList{SID: l.SID, AccountSID: s.accountSID(), FriendlyName: l.FriendlyName, Source: l.Source,
		DateCreated: rfc2822(l.DateCreated), DateUpdated: rfc2822(l.DateUpdated), URI: uri + ".json",
		SubresourceURIs: map[string]string{"credentials": uri + "/Credentials.json"}}
}

func (s *Server) credJSON(c *store.Credential, regs map[string]sip.Registration) Credential {
	out := Credential{SID: c.SID, AccountSID: s.accountSID(), CredentialListSID: c.ListSID, Username: c.Username, PasswordSet: true,
		DateCreated: rfc2822(c.DateCreated), DateUpdated: rfc2822(c.DateUpdated),
		URI: "/2010-04-01/Accounts/" + s.accountSID() + "/SIP/CredentialLists/" + c.ListSID + "/Credentials/" + c.SID + ".json"}
	if b, ok := regs[c.Username]; ok {
		out.Registration = &Registration{Contact: b.Contact, Source: b.Source.String(), Expires: iso(b.Expires)}
	}
	return out
}

func (s *Server) registrations() map[string]sip.Registration {
	m := map[string]sip.Registration{}
	if s.VoiceSettings != nil {
		for _, b := range s.VoiceSettings.Registrations() {
			m[b.User] = b
		}
	}
	return m
}

func credListName(f url.Values) (string, *Error) {
	name := strings.TrimSpace(f.Get("FriendlyName"))
	switch {
	case name == "":
		return "", fieldMissing("FriendlyName")
	case len(name) > 64 || hasControl(name):
		return "", fieldInvalid("FriendlyName", "must be 1-64 printable characters")
	}
	return name, nil
}

func (s *Server) createCredList(w http.ResponseWriter, r *http.Request) {
	f, e := form(w, r)
	if e != nil {
		writeError(w, e)
		return
	}
	name, e := credListName(f)
	if e != nil {
		writeError(w, e)
		return
	}
	l, err := s.Store.CreateCredentialList(r.Context(), store.CredentialList{SID: sid.New(credListPrefix), FriendlyName: name})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.credListJSON(l))
}

func (s *Server) listCredLists(w http.ResponseWriter, r *http.Request) {
	listAll(s, w, r, "credential_lists", s.Store.CredentialLists, s.credListJSON)
}

// pageOf cuts a short, fully read list into the requested page.

func (s *Server) fetchCredList(w http.ResponseWriter, r *http.Request) {
	l, err := s.Store.CredentialList(r.Context(), pathSID(r, "Sid"))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.credListJSON(l))
}

func (s *Server) updateCredList(w http.ResponseWriter, r *http.Request) {
	f, e := form(w, r)
	if e != nil {
		writeError(w, e)
		return
	}
	name, e := credListName(f)
	if e != nil {
		writeError(w, e)
		return
	}
	l, err := s.Store.RenameCredentialList(r.Context(), pathSID(r, "Sid"), name)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.credListJSON(l))
}

func (s *Server) deleteCredList(w http.ResponseWriter, r *http.Request) {
	if err := s.Store.DeleteCredentialList(r.Context(), pathSID(r, "Sid")); err != nil {
		s.storeError(w, r, err)
		return
	}
	s.applyVoice(r)
	w.WriteHeader(http.StatusNoContent)
}

// credPassword checks a desk phone's password (it is kept only as HA1).
func credPassword(f url.Values) (string, *Error) {
	p := f.Get("Password")
	switch {
	case p == "":
		return "", fieldMissing("Password")
	case len(p) < 8 || len(p) > 128 || hasControl(p):
		return "", fieldInvalid("Password", "must be 8-128 printable characters")
	}
	return p, nil
}

func (s *Server) realm() string {
	if s.VoiceSettings != nil {
		return s.VoiceSettings.Realm()
	}
	return "switchboard"
}

func (s *Server) createCred(w http.ResponseWriter, r *http.Request) {
	listSID := pathSID(r, "List")
	if _, err := s.Store.CredentialList(r.Context(), listSID); err != nil {
		s.storeError(w, r, err)
		return
	}
	f, e := form(w, r)
	if e != nil {
		writeError(w, e)
		return
	}
	user := strings.TrimSpace(f.Get("Username"))
	switch {
	case user == "":
		writeError(w, fieldMissing("Username"))
		return
	case len(user) > 32 || !sipUser.MatchString(user):
		writeError(w, fieldInvalid("Username", "must be 1-32 letters, digits or . _ ~ + -"))
		return
	}
	pass, e := credPassword(f)
	if e != nil {
		writeError(w, e)
		return
	}
	realm := s.realm()
	c, err := s.Store.CreateCredential(r.Context(), store.Credential{SID: sid.New(credPrefix), ListSID: listSID, Username: user,
		HA1: sip.HA1(user, realm, pass), Realm: realm})
	if errors.Is(err, store.ErrDuplicate) {
		writeError(w, apiError(http.StatusConflict, CodeConflict, "A desk phone with username %q already exists", user).with("parameter", "Username"))
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	s.applyVoice(r)
	writeJSON(w, http.StatusCreated, s.credJSON(c, s.registrations()))
}

func (s *Server) listCreds(w http.ResponseWriter, r *http.Request) {
	listSID := pathSID(r, "List")
	regs := s.registrations()
	listAll(s, w, r, "credentials", func(ctx context.Context) ([]store.Credential, error) {
		if _, err := s.Store.CredentialList(ctx, listSID); err != nil {
			return nil, err
		}
		return s.Store.Credentials(ctx, listSID)
	}, func(c *store.Credential) Credential { return s.credJSON(c, regs) })
}

func (s *Server) fetchCred(w http.ResponseWriter, r *http.Request) {
	c, err := s.Store.Credential(r.Context(), pathSID(r, "List"), pathSID(r, "Sid"))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.credJSON(c, s.registrations()))
}

// updateCred sets a new password (the only thing Twilio lets change).
func (s *Server) updateCred(w http.ResponseWriter, r *http.Request) {
	c, err := s.Store.Credential(r.Context(), pathSID(r, "List"), pathSID(r, "Sid"))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	f, e := form(w, r)
	if e != nil {
		writeError(w, e)
		return
	}
	pass, e := credPassword(f)
	if e != nil {
		writeError(w, e)
		return
	}
	realm := s.realm()
	c, err = s.Store.SetCredentialHA1(r.Context(), c.ListSID, c.SID, sip.HA1(c.Username, realm, pass), realm)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	s.applyVoice(r)
	writeJSON(w, http.StatusOK, s.credJSON(c, s.registrations()))
}

func (s *Server) deleteCred(w http.ResponseWriter, r *http.Request) {
	if err := s.Store.DeleteCredential(r.Context(), pathSID(r, "List"), pathSID(r, "Sid")); err != nil {
		s.storeError(w, r, err)
		return
	}
	s.applyVoice(r)
	w.WriteHeader(http.StatusNoContent)
}

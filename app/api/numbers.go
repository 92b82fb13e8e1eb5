package api

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/switchboard/switchboard/app/sid"
	"github.com/switchboard/switchboard/app/store"
)

// Number is Twilio's IncomingPhoneNumber resource, as far as routing calls
// and messages to flows goes: voice_url and sms_url are flow webhook URLs.
// phone_number is an E.164 number or a SIP user (desk phones dial users).
type Number struct {
	SID          string `json:"sid"`
	AccountSID   string `json:"account_sid"`
	PhoneNumber  string `json:"phone_number"`
	FriendlyName string `json:"friendly_name"`
	VoiceURL     string `json:"voice_url"`
	VoiceMethod  string `json:"voice_method"`
	SMSURL       string `json:"sms_url"`
	SMSMethod    string `json:"sms_method"`
	DateCreated  string `json:"date_created"`
	DateUpdated  string `json:"date_updated"`
	URI          string `json:"uri"`
}

// numberPrefix is Twilio's SID prefix for incoming phone numbers.
const numberPrefix = "PN"

var flowSIDInURL = regexp.MustCompile(`FW[0-9a-fA-F]{32}`)

func (s *Server) routesNumbers(mux *http.ServeMux) {
	const base = "/2010-04-01/Accounts/{AccountSid}/"
	mux.HandleFunc("POST "+base+"IncomingPhoneNumbers.json", s.accountOnly(s.createNumber))
	mux.HandleFunc("GET "+base+"IncomingPhoneNumbers.json", s.accountOnly(s.listNumbers))
	mux.HandleFunc("GET "+base+"IncomingPhoneNumbers/{Sid}", s.accountOnly(s.fetchNumber))
	mux.HandleFunc("POST "+base+"IncomingPhoneNumbers/{Sid}", s.accountOnly(s.updateNumber))
	mux.HandleFunc("DELETE "+base+"IncomingPhoneNumbers/{Sid}", s.accountOnly(s.deleteNumber))
}

func (s *Server) numberJSON(r *http.Request, n *store.Number) Number {
	flowURL := func(flowSID string) string {
		if flowSID == "" {
			return ""
		}
		return base(r) + "/v1/Accounts/" + s.accountSID() + "/Flows/" + flowSID
	}
	return Number{SID: n.SID, AccountSID: s.accountSID(), PhoneNumber: n.PhoneNumber, FriendlyName: n.FriendlyName,
		VoiceURL: flowURL(n.VoiceFlowSID), VoiceMethod: "POST", SMSURL: flowURL(n.SMSFlowSID), SMSMethod: "POST",
		DateCreated: rfc2822(n.DateCreated), DateUpdated: rfc2822(n.DateUpdated),
		URI: "/2010-04-01/Accounts/" + s.accountSID() + "/IncomingPhoneNumbers/" + n.SID + ".json"}
}

// flowParam reads VoiceUrl or SmsUrl: a flow's webhook URL (or its SID),
// which must name an existing flow; "" unsets it.
func (s *Server) flowParam(r *http.Request, f url.Values, name, current string) (string, *Error) {
	if _, ok := f[name]; !ok {
		return current, nil
	}
	v := strings.TrimSpace(f.Get(name))
	if v == "" {
		return "", nil
	}
	flowSID := flowSIDInURL.FindString(v)
	if flowSID == "" {
		return "", invalid(name, "%q is not a flow's webhook URL or SID: calls and messages are routed to local flows", v)
	}
	if _, err := s.Store.Flow(r.Context(), flowSID); err != nil {
		return "", invalid(name, "flow %s does not exist", flowSID)
	}
	return flowSID, nil
}

// validNumber accepts E.164 numbers and SIP user parts.
var validNumber = regexp.MustCompile(`^(\+[1-9][0-9]{1,14}|[A-Za-z0-9][A-Za-z0-9._~+\-]{0,63})$`)

func (s *Server) createNumber(w http.ResponseWriter, r *http.Request) {
	f, e := form(w, r)
	if e != nil {
		writeError(w, e)
		return
	}
	pn, e := required(f, "PhoneNumber")
	if e != nil {
		writeError(w, e)
		return
	}
	if !validNumber.MatchString(pn) {
		writeError(w, invalid("PhoneNumber", "%q must be an E.164 number (+15551234567) or a SIP user name", pn))
		return
	}
	n := store.Number{SID: sid.New(numberPrefix), PhoneNumber: pn, FriendlyName: f.Get("FriendlyName")}
	if n.FriendlyName == "" {
		n.FriendlyName = pn
	}
	if n.VoiceFlowSID, e = s.flowParam(r, f, "VoiceUrl", ""); e != nil {
		writeError(w, e)
		return
	}
	if n.SMSFlowSID, e = s.flowParam(r, f, "SmsUrl", ""); e != nil {
		writeError(w, e)
		return
	}
	out, err := s.Store.CreateNumber(r.Context(), n)
	if errors.Is(err, store.ErrDuplicate) {
		writeError(w, apiError(http.StatusConflict, CodeConflict, "Phone number %s is already routed", pn))
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.numberJSON(r, out))
}

func (s *Server) number(w http.ResponseWriter, r *http.Request) (*store.Number, bool) {
	n, err := s.Store.NumberBySID(r.Context(), strings.TrimSuffix(r.PathValue("Sid"), ".json"))
	if err != nil {
		s.storeError(w, r, err)
		return nil, false
	}
	return n, true
}

func (s *Server) fetchNumber(w http.ResponseWriter, r *http.Request) {
	if n, ok := s.number(w, r); ok {
		writeJSON(w, http.StatusOK, s.numberJSON(r, n))
	}
}

func (s *Server) updateNumber(w http.ResponseWriter, r *http.Request) {
	n, ok := s.number(w, r)
	if !ok {
		return
	}
	f, e := form(w, r)
	if e != nil {
		writeError(w, e)
		return
	}
	if _, ok := f["FriendlyName"]; ok {
		n.FriendlyName = f.Get("FriendlyName")
	}
	if n.VoiceFlowSID, e = s.flowParam(r, f, "VoiceUrl", n.VoiceFlowSID); e != nil {
		writeError(w, e)
		return
	}
	if n.SMSFlowSID, e = s.flowParam(r, f, "SmsUrl", n.SMSFlowSID); e != nil {
		writeError(w, e)
		return
	}
	out, err := s.Store.UpdateNumber(r.Context(), *n)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.numberJSON(r, out))
}

func (s *Server) deleteNumber(w http.ResponseWriter, r *http.Request) {
	if err := s.Store.DeleteNumber(r.Context(), strings.TrimSuffix(r.PathValue("Sid"), ".json")); err != nil {
		s.storeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listNumbers(w http.ResponseWriter, r *http.Request) {
	p, e := readPaging(r)
	if e != nil {
		writeError(w, e)
		return
	}
	if pn := r.URL.Query().Get("PhoneNumber"); pn != "" {
		n, err := s.Store.NumberFor(r.Context(), pn)
		var out []Number
		if err == nil {
			out = append(out, s.numberJSON(r, n))
		} else if !errors.Is(err, store.ErrNotFound) {
			s.internal(w, r, err)
			return
		}
		writeList2010(w, r, "incoming_phone_numbers", p, out, false)
		return
	}
	rows, err := s.Store.Numbers(r.Context(), store.Page{Limit: p.size + 1, Offset: p.page * p.size})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	more := len(rows) > p.size
	if more {
		rows = rows[:p.size]
	}
	out := make([]Number, len(rows))
	for i := range rows {
		out[i] = s.numberJSON(r, &rows[i])
	}
	writeList2010(w, r, "incoming_phone_numbers", p, out, more)
}

// writeList2010 writes a list in the 2010 API's envelope.
func writeList2010[T any](w http.ResponseWriter, r *http.Request, key string, p paging, items []T, more bool) {
	if items == nil {
		items = []T{}
	}
	uri := func(page int) string {
		return r.URL.Path + "?PageSize=" + strconv.Itoa(p.size) + "&Page=" + strconv.Itoa(page)
	}
	var next, prev any
	if more {
		next = uri(p.page + 1)
	}
	if p.page > 0 {
		prev = uri(p.page - 1)
	}
	start := p.page * p.size
	writeJSON(w, http.StatusOK, map[string]any{
		key: items, "page": p.page, "page_size": p.size, "start": start, "end": start + max(len(items)-1, 0),
		"uri": uri(p.page), "first_page_uri": uri(0), "next_page_uri": next, "previous_page_uri": prev,
	})
}

package api

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboard/switchboard/app/sid"
	"github.com/switchboard/switchboard/app/sms/pdu"
	"github.com/switchboard/switchboard/app/store"
)

// Message is Twilio's Message resource (2010-04-01), for messages the
// appliance's gateways carry.
type Message struct {
	SID                 string            `json:"sid"`
	AccountSID          string            `json:"account_sid"`
	APIVersion          string            `json:"api_version"`
	Body                string            `json:"body"`
	DateCreated         string            `json:"date_created"`
	DateUpdated         string            `json:"date_updated"`
	DateSent            *string           `json:"date_sent"`
	Direction           string            `json:"direction"`
	ErrorCode           *int              `json:"error_code"`
	ErrorMessage        *string           `json:"error_message"`
	From                string            `json:"from"`
	To                  string            `json:"to"`
	MessagingServiceSID *string           `json:"messaging_service_sid"`
	NumMedia            string            `json:"num_media"`
	NumSegments         string            `json:"num_segments"`
	Price               *string           `json:"price"`
	PriceUnit           string            `json:"price_unit"`
	Status              string            `json:"status"`
	URI                 string            `json:"uri"`
	SubresourceURIs     map[string]string `json:"subresource_uris"`
	// Ours: which gateway carried it and which execution sent or got it.
	GatewaySID   string `json:"gateway_sid,omitempty"`
	ExecutionSID string `json:"execution_sid,omitempty"`
	FlowSID      string `json:"flow_sid,omitempty"`
}

// maxMessageBody is Twilio's limit on a message body (error 21617).
const maxMessageBody = 1600

func (s *Server) messageJSON(m *store.Message) Message {
	uri := "/2010-04-01/Accounts/" + s.accountSID() + "/Messages/" + m.SID
	out := Message{SID: m.SID, AccountSID: s.accountSID(), APIVersion: "2010-04-01", Body: m.Body,
		DateCreated: rfc2822(m.DateCreated), DateUpdated: rfc2822(m.DateUpdated), Direction: m.Direction, From: m.From, To: m.To,
		NumMedia: "0", NumSegments: strconv.Itoa(max(m.NumSegments, segments(m.Body))), PriceUnit: "USD", Status: m.Status,
		URI: uri + ".json", SubresourceURIs: map[string]string{"media": uri + "/Media.json", "feedback": uri + "/Feedback.json"},
		GatewaySID: m.GatewaySID, ExecutionSID: m.ExecutionSID, FlowSID: m.FlowSID}
	if !m.DateSent.IsZero() {
		d := rfc2822(m.DateSent)
		out.DateSent = &d
	}
	if m.ErrorCode != 0 {
		c := m.ErrorCode
		out.ErrorCode = &c
	}
	if m.ErrorMessage != "" {
		em := m.ErrorMessage
		out.ErrorMessage = &em
	}
	if m.Direction == store.DirectionInbound && m.Status == "" {
		out.Status = store.MessageReceived
	}
	return out
}

// segments is how many SMS parts a body takes (GSM 7-bit or UCS-2).
func segments(body string) int {
	parts, err := pdu.Split(body, 0)
	if err != nil || len(parts) == 0 {
		return 1
	}
	return len(parts)
}

// createMessage queues a message like Twilio's Messages.create: To, From
// (a number a gateway owns) and Body; MediaUrl is refused (SMS only);
// StatusCallback gets Twilio's status callbacks.
func (s *Server) createMessage(w http.ResponseWriter, r *http.Request) {
	f, e := form(w, r)
	if e != nil {
		writeError(w, e)
		return
	}
	to := strings.TrimSpace(f.Get("To"))
	if to == "" {
		writeError(w, apiError(http.StatusBadRequest, 21604, "A 'To' phone number is required.").with("parameter", "To"))
		return
	}
	if !validNumber.MatchString(to) || to == "*" {
		writeError(w, apiError(http.StatusBadRequest, 21211, "The 'To' number %s is not a valid phone number.", to).with("parameter", "To"))
		return
	}
	from := strings.TrimSpace(f.Get("From"))
	if from == "" {
		if f.Get("MessagingServiceSid") != "" {
			writeError(w, apiError(http.StatusBadRequest, 21703, "Messaging services are Twilio's; send From a number one of this appliance's SMS gateways owns").with("parameter", "MessagingServiceSid"))
			return
		}
		writeError(w, apiError(http.StatusBadRequest, 21603, "A 'From' phone number is required.").with("parameter", "From"))
		return
	}
	body := f.Get("Body")
	if _, ok := f["MediaUrl"]; ok {
		writeError(w, apiError(http.StatusBadRequest, 21620, "Media messages (MMS) cannot go through an SMS gateway: send a Body only").with("parameter", "MediaUrl"))
		return
	}
	if strings.TrimSpace(body) == "" {
		writeError(w, apiError(http.StatusBadRequest, 21602, "Message body is required.").with("parameter", "Body"))
		return
	}
	if utf8.RuneCountInString(body) > maxMessageBody {
		writeError(w, apiError(http.StatusBadRequest, 21617, "The concatenated message body exceeds the %d character limit.", maxMessageBody).with("parameter", "Body"))
		return
	}
	if s.Messaging != nil && s.Messaging.Owner(from) == "" {
		writeError(w, apiError(http.StatusBadRequest, 21606,
			"The From phone number %s is not owned by any of this appliance's SMS gateways (Settings → Messaging).", from).with("parameter", "From"))
		return
	}
	cb := strings.TrimSpace(f.Get("StatusCallback"))
	if cb != "" {
		if u, err := url.Parse(cb); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			writeError(w, apiError(http.StatusBadRequest, 21609, "The StatusCallback URL %s is not a valid http or https URL.", redactQuery(cb)).with("parameter", "StatusCallback"))
			return
		}
	}
	m, err := s.Store.CreateMessage(r.Context(), store.Message{SID: sid.New("SM"), Direction: store.DirectionOutboundAPI,
		From: from, To: to, Body: body, Status: store.MessageQueued, Notified: store.MessageQueued, StatusCallback: cb,
		NumSegments: segments(body)})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if s.Messaging != nil {
		s.Messaging.Wake()
	}
	writeJSON(w, http.StatusCreated, s.messageJSON(m))
}

// redactQuery drops a URL's query and user info for an error message.
func redactQuery(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable)"
	}
	u.RawQuery, u.User = "", nil
	return u.String()
}

func (s *Server) fetchMessage(w http.ResponseWriter, r *http.Request) {
	m, err := s.Store.MessageBySID(r.Context(), strings.TrimSuffix(r.PathValue("Sid"), ".json"))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.messageJSON(m))
}

func (s *Server) deleteMessage(w http.ResponseWriter, r *http.Request) {
	err := s.Store.DeleteMessage(r.Context(), strings.TrimSuffix(r.PathValue("Sid"), ".json"))
	if errors.Is(err, store.ErrInvalid) {
		writeError(w, apiError(http.StatusConflict, 20009, "Cannot delete a message that is still queued or being sent"))
		return
	}
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// listMessages lists messages newest first, filtered like Twilio's: To,
// From, DateSent (a day), DateSent< and DateSent> (YYYY-MM-DD or RFC 3339).
func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) {
	p, e := readPaging(r)
	if e != nil {
		writeError(w, e)
		return
	}
	q := r.URL.Query()
	flt := store.MessageFilter{To: q.Get("To"), From: q.Get("From"), GatewaySID: q.Get("GatewaySid"), ExecutionSID: q.Get("ExecutionSid")}
	day := func(name string) (time.Time, bool) {
		v := q.Get(name)
		if v == "" {
			return time.Time{}, true
		}
		for _, layout := range []string{time.DateOnly, time.RFC3339} {
			if t, err := time.Parse(layout, v); err == nil {
				return t, true
			}
		}
		writeError(w, invalid(name, "%q is not a date (YYYY-MM-DD)", v))
		return time.Time{}, false
	}
	var ok bool
	var on time.Time
	if on, ok = day("DateSent"); !ok {
		return
	}
	if !on.IsZero() {
		flt.SentAfter, flt.SentBefore = on, on.Add(24*time.Hour)
	}
	var before, after time.Time
	if before, ok = day("DateSent<"); !ok {
		return
	}
	if after, ok = day("DateSent>"); !ok {
		return
	}
	if !before.IsZero() {
		flt.SentBefore = before
	}
	if !after.IsZero() {
		flt.SentAfter = after
	}
	rows, err := s.Store.ListMessages(r.Context(), flt, store.Page{Limit: p.size + 1, Offset: p.page * p.size})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	more := len(rows) > p.size
	if more {
		rows = rows[:p.size]
	}
	out := make([]Message, len(rows))
	for i := range rows {
		out[i] = s.messageJSON(&rows[i])
	}
	writeList2010(w, r, "messages", p, out, more)
}

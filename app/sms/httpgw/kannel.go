package httpgw

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/sms/pdu"
)

// sendKannel submits m through smsbox's sendsms CGI. Kannel answers
// "0: Accepted for delivery" or "3: Queued for later delivery" (HTTP 202)
// and no id: the reference is ours, and the dlr-url names it.
func (g *Gateway) sendKannel(ctx context.Context, m sms.Outbound) (sms.Sent, error) {
	ref := newRef()
	q := url.Values{}
	q.Set("username", g.set.Username)
	q.Set("password", g.set.Password)
	if m.From != "" {
		q.Set("from", m.From)
	}
	q.Set("to", m.To)
	q.Set("text", m.Body)
	q.Set("charset", "UTF-8")
	if pdu.ChooseCoding(m.Body) == pdu.UCS2 {
		q.Set("coding", "2") // else smsbox squeezes the text into GSM 7-bit
	}
	if g.set.SMSC != "" {
		q.Set("smsc", g.set.SMSC)
	}
	if m.StatusReport && g.set.CallbackURL != "" {
		q.Set("dlr-mask", strconv.Itoa(g.set.DLRMask))
		q.Set("dlr-url", g.kannelDLRURL(ref))
	}
	u := g.set.BaseURL + "/cgi-bin/sendsms?" + q.Encode()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return sms.Sent{}, sms.Permanent(sms.CodeUnknown, g.red.Err(err))
	}
	a, err := g.do(ctx, req)
	if err != nil {
		return sms.Sent{}, err
	}
	text := strings.TrimSpace(string(a.Body))
	if a.Status/100 == 2 && (strings.HasPrefix(text, "0:") || strings.HasPrefix(text, "3:")) {
		return sms.Sent{Segments: segments(m.Body), Refs: []string{ref}}, nil
	}
	if a.Status/100 == 2 {
		// A 2xx that is not an accept: Kannel's wording changed, or
		// something else answered. The message may or may not be queued.
		return sms.Sent{}, sms.Uncertain(sms.CodeUnknown, g.red.Err(fmt.Errorf("kannel sendsms: HTTP %d with an unknown answer %q", a.Status, clip(text))))
	}
	return sms.Sent{}, g.refused(a, "kannel sendsms")
}

// kannelDLRURL is the dlr-url for ref. It carries a token bound to ref
// (HMAC of the inbound secret), not the secret itself: smsbox logs URLs.
func (g *Gateway) kannelDLRURL(ref string) string {
	base := strings.TrimRight(g.set.CallbackURL, "/")
	return base + "/dlr?ref=" + ref + "&tok=" + g.dlrToken(ref) + "&status=%d&to=%p&ts=%T&reply=%A"
}

func (g *Gateway) dlrToken(ref string) string {
	mac := hmac.New(sha256.New, []byte(g.set.InboundSecret))
	mac.Write([]byte("kannel-dlr:" + ref))
	return hex.EncodeToString(mac.Sum(nil))[:32]
}

// KannelGetURL is the sms-service get-url to configure in Kannel for this
// gateway's callback URL; the inbound credentials travel as user:pass in
// the URL, which Kannel sends as an Authorization header.
func KannelGetURL(callbackURL, user, secret string) string {
	u, err := url.Parse(strings.TrimRight(callbackURL, "/") + "/mo")
	if err != nil {
		return ""
	}
	u.User = url.UserPassword(user, secret)
	return u.String() + "?from=%p&to=%P&text=%b&coding=%c&charset=%C&ts=%T&id=%I"
}

// kannelMO turns the get-url's query into a message.
func kannelMO(q url.Values, now time.Time) (sms.Inbound, error) {
	from := q.Get("from")
	if from == "" {
		return sms.Inbound{}, fmt.Errorf("kannel mo: no from")
	}
	body := kannelText(q.Get("text"), q.Get("coding"), q.Get("charset"))
	at := now
	if ts, err := strconv.ParseInt(q.Get("ts"), 10, 64); err == nil && ts > 0 {
		at = time.Unix(ts, 0).UTC()
	}
	m := sms.Inbound{From: from, To: q.Get("to"), Body: body, Segments: segments(body), Received: at}
	if id := q.Get("id"); id != "" {
		m.ProviderID = "kannel:" + id
	} else {
		m.ProviderID = contentID(m.From, m.To, q.Get("ts"), m.Body)
	}
	return m, nil
}

// kannelText decodes %b (the message's bytes) by its coding and charset:
// UCS-2 arrives as UTF-16BE, 7-bit text as UTF-8 (smsbox recodes it), and
// anything else that is not UTF-8 is read as Latin-1.
func kannelText(b, coding, charset string) string {
	cs := strings.ToUpper(charset)
	if coding == "2" || strings.HasPrefix(cs, "UTF-16") || strings.HasPrefix(cs, "UCS-2") {
		raw := []byte(b)
		if len(raw)%2 == 1 {
			raw = append(raw, 0)
		}
		u := make([]uint16, len(raw)/2)
		for i := range u {
			u[i] = binary.BigEndian.Uint16(raw[2*i:])
		}
		return string(utf16.Decode(u))
	}
	if utf8.ValidString(b) {
		return b
	}
	r := make([]rune, 0, len(b))
	for i := 0; i < len(b); i++ {
		r = append(r, rune(b[i]))
	}
	return string(r)
}

// kannelDLR turns a dlr-url call into a report. Kannel's %d: 1 delivered,
// 2 failed at the handset, 4 buffered, 8 accepted by the SMSC, 16 rejected
// by the SMSC.
func kannelDLR(q url.Values, now time.Time) (sms.Report, error) {
	ref := q.Get("ref")
	if ref == "" {
		return sms.Report{}, fmt.Errorf("kannel dlr: no ref")
	}
	r := sms.Report{Ref: ref, To: q.Get("to"), Detail: q.Get("reply"), At: now}
	if ts, err := strconv.ParseInt(q.Get("ts"), 10, 64); err == nil && ts > 0 {
		r.At = time.Unix(ts, 0).UTC()
	}
	switch q.Get("status") {
	case "1":
		r.Status = "delivered"
	case "2":
		r.Status, r.ErrorCode = "undelivered", sms.CodeUnknown
	case "16":
		r.Status, r.ErrorCode = "failed", sms.CodeUnknown
	case "4", "8":
		r.Status = "sent"
	default:
		return sms.Report{}, fmt.Errorf("kannel dlr: unknown status %q", clip(q.Get("status")))
	}
	return r, nil
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

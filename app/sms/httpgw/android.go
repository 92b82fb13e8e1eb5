package httpgw

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/app/sms"
)

// androidMessage is the body of POST /message in the app's current API
// (textMessage; the older top-level "message" is deprecated).
type androidMessage struct {
	TextMessage        androidText `json:"textMessage"`
	PhoneNumbers       []string    `json:"phoneNumbers"`
	WithDeliveryReport bool        `json:"withDeliveryReport"`
}

type androidText struct {
	Text string `json:"text"`
}

// sendAndroid posts m to the phone's local server; the answer's id is the
// reference its webhooks name.
func (g *Gateway) sendAndroid(ctx context.Context, m sms.Outbound) (sms.Sent, error) {
	body, err := json.Marshal(androidMessage{
		TextMessage:        androidText{Text: m.Body},
		PhoneNumbers:       []string{m.To},
		WithDeliveryReport: m.StatusReport,
	})
	if err != nil {
		return sms.Sent{}, sms.Permanent(sms.CodeUnknown, err)
	}
	req, err := http.NewRequest(http.MethodPost, g.set.BaseURL+"/message", bytes.NewReader(body))
	if err != nil {
		return sms.Sent{}, sms.Permanent(sms.CodeUnknown, g.red.Err(err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(g.set.Username, g.set.Password)
	a, err := g.do(ctx, req)
	if err != nil {
		return sms.Sent{}, err
	}
	if a.Status/100 != 2 {
		return sms.Sent{}, g.refused(a, "android POST /message")
	}
	var st struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(a.Body, &st); err != nil || st.ID == "" {
		// Accepted (2xx) but unreadable: the phone has it; we cannot name it.
		return sms.Sent{}, sms.Uncertain(sms.CodeUnknown, fmt.Errorf("android POST /message: HTTP %d: %w", a.Status, errNoRef))
	}
	return sms.Sent{Segments: segments(m.Body), Refs: []string{st.ID}}, nil
}

// androidEvent is a webhook call from the app.
type androidEvent struct {
	ID       string          `json:"id"`
	Event    string          `json:"event"`
	DeviceID string          `json:"deviceId"`
	Payload  json.RawMessage `json:"payload"`
}

type androidPayload struct {
	MessageID   string `json:"messageId"`
	Message     string `json:"message"`
	PhoneNumber string `json:"phoneNumber"`
	ReceivedAt  string `json:"receivedAt"`
	SentAt      string `json:"sentAt"`
	DeliveredAt string `json:"deliveredAt"`
	FailedAt    string `json:"failedAt"`
	Reason      string `json:"reason"`
}

// androidCall is what one webhook call means: a message, a report or
// nothing we keep (a ping, an event we do not know).
type androidCall struct {
	msg    *sms.Inbound
	report *sms.Report
}

func parseAndroid(body []byte, now time.Time) (androidCall, error) {
	var ev androidEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return androidCall{}, fmt.Errorf("android webhook: %w", err)
	}
	var p androidPayload
	if len(ev.Payload) > 0 && string(ev.Payload) != "null" {
		if err := json.Unmarshal(ev.Payload, &p); err != nil {
			return androidCall{}, fmt.Errorf("android webhook %s: payload: %w", clip(ev.Event), err)
		}
	}
	switch ev.Event {
	case "sms:received":
		if p.PhoneNumber == "" {
			return androidCall{}, errors.New("android webhook sms:received: no phoneNumber")
		}
		m := sms.Inbound{From: p.PhoneNumber, Body: p.Message, Segments: segments(p.Message), Received: parseTime(p.ReceivedAt, now)}
		// The event id is stable across the app's retries; its messageId
		// is a content hash the app says is not unique.
		if ev.ID != "" {
			m.ProviderID = "android:" + ev.DeviceID + ":" + ev.ID
		} else {
			m.ProviderID = contentID(m.From, "", p.ReceivedAt, m.Body)
		}
		return androidCall{msg: &m}, nil
	case "sms:sent", "sms:delivered", "sms:failed":
		if p.MessageID == "" {
			return androidCall{}, fmt.Errorf("android webhook %s: no messageId", ev.Event)
		}
		r := sms.Report{Ref: p.MessageID, To: p.PhoneNumber}
		switch ev.Event {
		case "sms:sent":
			r.Status, r.At = "sent", parseTime(p.SentAt, now)
		case "sms:delivered":
			r.Status, r.At = "delivered", parseTime(p.DeliveredAt, now)
		default:
			r.Status, r.ErrorCode, r.Detail, r.At = "failed", sms.CodeUnknown, p.Reason, parseTime(p.FailedAt, now)
		}
		return androidCall{report: &r}, nil
	}
	return androidCall{}, nil // system:ping and events added later: acknowledged, not kept
}

// checkAndroidSignature checks the app's webhook signature: X-Signature is
// hex HMAC-SHA256(signing key, raw body followed by X-Timestamp), and
// X-Timestamp (Unix seconds) must be within maxAge of now.
func checkAndroidSignature(key string, h http.Header, body []byte, now time.Time, maxAge time.Duration) error {
	sig, ts := h.Get("X-Signature"), h.Get("X-Timestamp")
	if sig == "" || ts == "" {
		return errors.New("no X-Signature or X-Timestamp")
	}
	want, err := hex.DecodeString(strings.TrimSpace(sig))
	if err != nil {
		return errors.New("X-Signature is not hex")
	}
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(body)
	mac.Write([]byte(ts))
	if !hmac.Equal(mac.Sum(nil), want) {
		return errors.New("X-Signature does not match")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("X-Timestamp is not Unix seconds")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > maxAge || d < -maxAge {
		return fmt.Errorf("X-Timestamp is %s away from now", d.Round(time.Second))
	}
	return nil
}

// parseTime reads the peers' time stamps (RFC 3339, with or without
// fractions; Unix seconds); anything else is now.
func parseTime(s string, now time.Time) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return now
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000-0700", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		if n > 1e12 {
			return time.UnixMilli(n).UTC()
		}
		return time.Unix(n, 0).UTC()
	}
	return now
}

// contentID identifies a message that came without a peer id.
func contentID(from, to, at, body string) string {
	h := sha256.New()
	for _, s := range []string{from, to, at, body} {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))[:32]
}

package queue

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/app/store"
)

// inboundLoop hands received messages to their flows, oldest first.
func (q *Queue) inboundLoop(ctx context.Context) {
	t := time.NewTicker(q.opt.Tick)
	defer t.Stop()
	for {
		q.handleInbound(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-q.inWake:
		}
	}
}

func (q *Queue) handleInbound(ctx context.Context) {
	if q.opt.Flows == nil {
		return
	}
	ms, err := q.st.Unhandled(ctx, 100)
	if err != nil {
		if ctx.Err() == nil {
			q.log.Error("reading received messages", "err", err)
		}
		return
	}
	for _, m := range ms {
		if ctx.Err() != nil {
			return
		}
		flow, exec, err := q.opt.Flows.Inbound(ctx, m, "sms|gateway|"+m.SID)
		note := ""
		if err != nil {
			var retry bool
			if note, retry = inboundError(err); retry {
				// The store or the flow could not take it now: the message
				// stays unhandled and is tried again on the next pass.
				q.log.Error("handing a received message to its flow; trying again", "message_sid", m.SID, "err", err)
				return
			}
			q.log.Info("received message handed to no execution", "message_sid", m.SID, "from", m.From, "to", m.To, "why", note)
		}
		if err := q.st.MarkHandled(ctx, m.SID, flow, exec, note); err != nil && ctx.Err() == nil {
			q.log.Error("marking a received message handled", "message_sid", m.SID, "err", err)
		}
	}
}

// InboundError lets Flows say a message was handled without an execution
// (no flow for its number, the contact's execution is busy): Note is kept
// with the message. Any other error is retried.
type InboundError struct{ Note string }

func (e *InboundError) Error() string { return e.Note }

func inboundError(err error) (note string, retry bool) {
	if e, ok := err.(*InboundError); ok {
		return e.Note, false
	}
	return "", true
}

// notifyLoop tells executions and status callbacks of status changes.
func (q *Queue) notifyLoop(ctx context.Context) {
	t := time.NewTicker(q.opt.Tick)
	defer t.Stop()
	for {
		q.notify(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-q.noteWake:
		}
	}
}

func (q *Queue) notify(ctx context.Context) {
	for ctx.Err() == nil {
		ms, err := q.st.Unnotified(ctx, 100)
		if err != nil {
			if ctx.Err() == nil {
				q.log.Error("reading message status changes", "err", err)
			}
			return
		}
		for _, m := range ms {
			if m.Status == store.MessageSending {
				// Not a result: executions wait for sent or failed. It is
				// marked told so that the loop moves on.
				_ = q.st.MarkNotified(ctx, m.SID, m.Status)
				continue
			}
			if m.ExecutionSID != "" && q.opt.Flows != nil {
				if err := q.opt.Flows.Result(ctx, m.ExecutionSID, m); err != nil {
					if ctx.Err() == nil {
						q.log.Error("telling an execution about its message; trying again", "message_sid", m.SID,
							"execution_sid", m.ExecutionSID, "err", err)
					}
					return
				}
			}
			if m.StatusCallback != "" {
				q.callback(ctx, m)
			}
			if err := q.st.MarkNotified(ctx, m.SID, m.Status); err != nil {
				if ctx.Err() == nil {
					q.log.Error("marking a status change told", "message_sid", m.SID, "err", err)
				}
				return
			}
		}
		if len(ms) < 100 {
			return
		}
	}
}

// callback posts a status callback in Twilio's shape. A callback that
// fails is logged and not tried again (Twilio does the same).
func (q *Queue) callback(ctx context.Context, m store.Message) {
	form := url.Values{
		"MessageSid":    {m.SID},
		"SmsSid":        {m.SID},
		"MessageStatus": {m.Status},
		"SmsStatus":     {m.Status},
		"From":          {m.From},
		"To":            {m.To},
		"AccountSid":    {q.opt.AccountSID},
		"ApiVersion":    {"2010-04-01"},
	}
	if m.ErrorCode != 0 {
		form.Set("ErrorCode", strconv.Itoa(m.ErrorCode))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.StatusCallback, strings.NewReader(form.Encode()))
	if err != nil {
		q.log.Warn("status callback not sent: bad URL", "message_sid", m.SID, "err", err)
		return
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "Switchboard/1 (status callback)")
	if q.opt.Sign != nil {
		req.Header.Set("X-Twilio-Signature", q.opt.Sign(m.StatusCallback, form))
	}
	resp, err := q.opt.Callbacks.Do(req)
	if err != nil {
		q.log.Warn("status callback failed", "message_sid", m.SID, "status", m.Status, "err", redactURL(err))
		return
	}
	resp.Body.Close()
	if resp.StatusCode >= 400 {
		q.log.Warn("status callback refused", "message_sid", m.SID, "status", m.Status, "http_status", resp.StatusCode)
	}
}

// redactURL keeps a callback URL's query (which may carry a token) out of
// the log.
func redactURL(err error) string {
	if ue, ok := err.(*url.Error); ok {
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery, u.User = "", nil
			return ue.Op + " " + u.String() + ": " + ue.Err.Error()
		}
	}
	return err.Error()
}

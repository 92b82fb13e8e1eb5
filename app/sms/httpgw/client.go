package httpgw

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/switchboard/switchboard/app/sms"
)

// maxAnswer bounds how much of a peer's answer is read.
const maxAnswer = 64 << 10

// redactor replaces secrets, as they are and in their URL-escaped forms,
// with "***". Every error and log string of this package goes through it.
type redactor struct{ olds []string }

func newRedactor(secrets ...string) redactor {
	var r redactor
	seen := map[string]bool{}
	for _, s := range secrets {
		if len(s) < 1 {
			continue
		}
		for _, v := range []string{s, url.QueryEscape(s), url.PathEscape(s), strings.ReplaceAll(url.QueryEscape(s), "+", "%20")} {
			if !seen[v] {
				seen[v] = true
				r.olds = append(r.olds, v)
			}
		}
	}
	return r
}

func (r redactor) String(s string) string {
	for _, o := range r.olds {
		s = strings.ReplaceAll(s, o, "***")
	}
	return s
}

// redactedError keeps the cause for errors.Is/As but says only the redacted text.
type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.cause }

func (r redactor) Err(err error) error {
	if err == nil {
		return nil
	}
	return &redactedError{msg: r.String(err.Error()), cause: err}
}

// answer is a peer's answer, its body bounded by maxAnswer.
type answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// do sends req and reads the answer. Its error is already classified as a
// *sms.Failure: not sent (retryable), or sent without an answer (Uncertain).
func (g *Gateway) do(ctx context.Context, req *http.Request) (answer, error) {
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(true) }}
	ctx, cancel := context.WithTimeout(ctx, g.set.timeout())
	defer cancel()
	req = req.WithContext(httptrace.WithClientTrace(ctx, trace))
	what := req.Method + " " + redactURL(req.URL)
	resp, err := g.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text repeats the URL, query and all
		}
		err = g.red.Err(fmt.Errorf("%s: %w", what, err))
		if wrote.Load() {
			return answer{}, sms.Uncertain(sms.CodeUnknown, fmt.Errorf("no answer after the request was sent: %w", err))
		}
		return answer{}, sms.Retryable(sms.CodeUnknown, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil && resp.StatusCode < 300 {
		return answer{}, sms.Uncertain(sms.CodeUnknown, g.red.Err(fmt.Errorf("%s: reading the answer: %w", what, err)))
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
	return answer{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// refused classifies an answer that is not a success.
func (g *Gateway) refused(a answer, what string) error {
	text := strings.TrimSpace(string(a.Body))
	if len(text) > 200 {
		text = text[:200] + "…"
	}
	err := g.red.Err(fmt.Errorf("%s: HTTP %d: %s", what, a.Status, text))
	switch {
	case a.Status == http.StatusUnauthorized || a.Status == http.StatusForbidden:
		g.setHealth(sms.StateBlocked, err.Error())
		return sms.Permanent(sms.CodeBlocked, err)
	case a.Status == http.StatusRequestEntityTooLarge:
		return sms.Permanent(sms.CodeBodyTooLong, err)
	case a.Status == http.StatusTooManyRequests || a.Status == http.StatusServiceUnavailable:
		f := &sms.Failure{Code: sms.CodeQueueOverflow, Err: err, RetryAfter: retryAfter(a.Header.Get("Retry-After"))}
		return f
	case a.Status == http.StatusRequestTimeout || a.Status >= 500:
		return sms.Retryable(sms.CodeUnknown, err)
	case a.Status >= 400:
		return sms.Permanent(sms.CodeUnknown, err)
	}
	return sms.Retryable(sms.CodeUnknown, err) // 1xx/3xx: not what a send API answers
}

func retryAfter(v string) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

// redactURL drops the query and userinfo of u: a sendsms query carries the
// password, and no query is needed to tell which peer failed.
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		c.RawQuery = "…"
	}
	return c.String()
}

// newClient is the outbound client: bounded dials and header waits; the
// whole request is bounded by Settings.TimeoutSeconds in do.
func newClient(timeout time.Duration) *http.Client {
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       60 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: timeout,
	}
	return &http.Client{
		Transport: tr,
		// A send API that redirects is misconfigured; following it could
		// re-send the message elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

var errNoRef = errors.New("the peer's answer names no message id")

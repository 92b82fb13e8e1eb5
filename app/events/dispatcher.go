package events

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"

	"github.com/switchboard/switchboard/app/store"
)

// Dispatcher defaults.
const (
	DefaultBatch      = 100              // events per POST
	DefaultTimeout    = 10 * time.Second // per POST
	DefaultGiveUp     = 24 * time.Hour   // an event older than this fails
	DefaultMaxBackoff = 5 * time.Minute
	DefaultPoll       = time.Second
)

// Dispatcher delivers the event outbox to the sinks: each round, for each
// sink, it POSTs the oldest due events (at most Batch) as one JSON array of
// CloudEvents. A 2xx marks them done; anything else retries them with
// exponential backoff and jitter (1 s, 2 s, 4 s … up to MaxBackoff); an
// event still undelivered GiveUp after it was made fails (and is logged).
// Rows are the state: a restart carries on where the last run stopped.
// One dispatcher runs per store.
type Dispatcher struct {
	Store  *store.Store
	Sinks  []string
	Client *http.Client // nil: a client with Timeout
	Log    *slog.Logger

	Batch      int
	Timeout    time.Duration
	GiveUp     time.Duration
	MaxBackoff time.Duration
	Poll       time.Duration
	// Retention: delivered and failed rows older than this are deleted
	// (0 keeps them).
	Retention time.Duration
	// Now and Jitter are the clock and the random part of a backoff d (a
	// duration in [0, d/4) by default); tests replace them.
	Now    func() time.Time
	Jitter func(d time.Duration) time.Duration

	wake chan struct{}
	// backoff holds, per sink, when the next attempt may be made, so that
	// a sink that is down is not tried every round with newer rows.
	backoff map[string]time.Time
}

// NewDispatcher returns a dispatcher with the defaults.
func NewDispatcher(st *store.Store, sinks []string, log *slog.Logger) *Dispatcher {
	return &Dispatcher{Store: st, Sinks: sinks, Log: log, wake: make(chan struct{}, 1)}
}

func (d *Dispatcher) defaults() {
	if d.Batch <= 0 {
		d.Batch = DefaultBatch
	}
	if d.Timeout <= 0 {
		d.Timeout = DefaultTimeout
	}
	if d.GiveUp <= 0 {
		d.GiveUp = DefaultGiveUp
	}
	if d.MaxBackoff <= 0 {
		d.MaxBackoff = DefaultMaxBackoff
	}
	if d.Poll <= 0 {
		d.Poll = DefaultPoll
	}
	if d.Client == nil {
		d.Client = &http.Client{Timeout: d.Timeout}
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = func() time.Time { return time.Now().UTC() }
	}
	if d.Jitter == nil {
		d.Jitter = func(b time.Duration) time.Duration {
			if b < 4 {
				return 0
			}
			return rand.N(b / 4)
		}
	}
	if d.wake == nil {
		d.wake = make(chan struct{}, 1)
	}
	if d.backoff == nil {
		d.backoff = map[string]time.Time{}
	}
}

// Wake asks for a round now (after a sprint with events committed). It
// never blocks; it does nothing on a dispatcher not made by NewDispatcher.
func (d *Dispatcher) Wake() {
	if d.wake == nil {
		return
	}
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Prepare sets the defaults and marks failed the pending rows of sinks that
// are no longer configured. Run calls it; tests that drive Round call it.
func (d *Dispatcher) Prepare(ctx context.Context) error {
	d.defaults()
	n, err := d.Store.AbandonEvents(ctx, d.Sinks)
	if err != nil {
		return err
	}
	if n > 0 {
		d.Log.Warn("events of sinks no longer configured marked failed", "events", n)
	}
	return nil
}

// Run delivers until ctx ends: a round every Poll or on Wake, and a purge
// of old rows every hour.
func (d *Dispatcher) Run(ctx context.Context) {
	if err := d.Prepare(ctx); err != nil && ctx.Err() == nil {
		d.Log.Error("event dispatcher: prepare", "err", err)
	}
	t := time.NewTicker(d.Poll)
	defer t.Stop()
	var lastPurge time.Time
	for {
		if _, err := d.Round(ctx); err != nil && ctx.Err() == nil {
			d.Log.Error("event dispatcher round failed", "err", err)
		}
		if now := d.Now(); now.Sub(lastPurge) >= time.Hour {
			lastPurge = now
			if _, err := d.Purge(ctx); err != nil && ctx.Err() == nil {
				d.Log.Error("event purge failed", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.wake:
		}
	}
}

// Round sends at most one batch to each sink whose backoff has passed and
// returns how many events were delivered.
func (d *Dispatcher) Round(ctx context.Context) (int, error) {
	d.defaults()
	delivered := 0
	var errs []error
	for _, sink := range d.Sinks {
		now := d.Now()
		if next, ok := d.backoff[sink]; ok && now.Before(next) {
			continue
		}
		n, err := d.deliver(ctx, sink, now)
		delivered += n
		if err != nil {
			if ctx.Err() != nil {
				return delivered, ctx.Err()
			}
			errs = append(errs, err)
		}
	}
	return delivered, errors.Join(errs...)
}

func (d *Dispatcher) deliver(ctx context.Context, sink string, now time.Time) (int, error) {
	rows, err := d.Store.DueEvents(ctx, sink, now, d.Batch)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	ids := make([]int64, len(rows))
	maxAttempts := 0
	var body bytes.Buffer
	body.WriteByte('[')
	for i, r := range rows {
		ids[i] = r.ID
		maxAttempts = max(maxAttempts, r.Attempts)
		if i > 0 {
			body.WriteByte(',')
		}
		body.Write(r.Payload)
	}
	body.WriteByte(']')

	sendErr := d.post(ctx, sink, body.Bytes())
	if sendErr == nil {
		delete(d.backoff, sink)
		if err := d.Store.FinishEvents(ctx, ids, store.EventDone, now, ""); err != nil {
			return 0, err
		}
		d.Log.Debug("events delivered", "sink", Redact(sink), "events", len(rows))
		return len(rows), nil
	}
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	// Rows too old give up; the rest wait for the next attempt.
	var expired, retry []int64
	for _, r := range rows {
		if now.Sub(r.Created) >= d.GiveUp {
			expired = append(expired, r.ID)
		} else {
			retry = append(retry, r.ID)
		}
	}
	wait := d.backoffFor(maxAttempts + 1)
	next := now.Add(wait)
	d.backoff[sink] = next
	msg := sendErr.Error()
	if err := d.Store.FinishEvents(ctx, retry, store.EventPending, next, msg); err != nil {
		return 0, err
	}
	if err := d.Store.FinishEvents(ctx, expired, store.EventFailed, now, msg); err != nil {
		return 0, err
	}
	if len(expired) > 0 {
		d.Log.Error("events not delivered: giving up", "sink", Redact(sink), "events", len(expired), "err", msg)
	}
	d.Log.Warn("event delivery failed; will retry", "sink", Redact(sink), "events", len(retry), "attempt", maxAttempts+1,
		"retry_in", wait, "err", msg)
	return 0, nil
}

// backoffFor is the wait after the n-th failed attempt (n >= 1): 1 s,
// 2 s, 4 s … plus jitter, at most MaxBackoff.
func (d *Dispatcher) backoffFor(n int) time.Duration {
	b := time.Second
	for i := 1; i < n && b < d.MaxBackoff; i++ {
		b *= 2
	}
	b = min(b, d.MaxBackoff)
	return min(b+d.Jitter(b), d.MaxBackoff)
}

// post sends one batch; errors name the status or the transport failure,
// never the URL (it may carry credentials).
func (d *Dispatcher) post(ctx context.Context, sink string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, d.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sink, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("bad sink URL")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Switchboard-EventStreams/1")
	resp, err := d.Client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("post: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("sink answered %s", resp.Status)
	}
	return nil
}

// Purge deletes delivered and failed rows older than the retention.
func (d *Dispatcher) Purge(ctx context.Context) (int, error) {
	d.defaults()
	if d.Retention <= 0 {
		return 0, nil
	}
	before := d.Now().Add(-d.Retention)
	total := 0
	for {
		n, err := d.Store.PurgeEvents(ctx, before, 500)
		total += n
		if err != nil || n < 500 {
			return total, err
		}
	}
}

// Redact returns a sink URL fit for logs: scheme, host and path, without
// user information or query.
func Redact(sink string) string {
	u, err := url.Parse(sink)
	if err != nil {
		return "(unparsable URL)"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

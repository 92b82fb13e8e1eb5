// Package smstest holds what gateway tests share: a Sink that records what
// a gateway reports, so a test can wait for it.
package smstest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/switchboard/switchboard/app/sms"
)

// Sink records inbound messages, delivery reports and health changes. Its
// zero value is ready. Fail, when set, is returned by Inbound (a store that
// cannot commit), to test that the gateway does not acknowledge then.
type Sink struct {
	mu      sync.Mutex
	changed chan struct{}
	inbound []sms.Inbound
	reports []sms.Report
	health  []sms.Health
	Fail    func(m sms.Inbound) error
}

func (s *Sink) signal() {
	if s.changed != nil {
		close(s.changed)
	}
	s.changed = nil
}

func (s *Sink) wait() <-chan struct{} {
	if s.changed == nil {
		s.changed = make(chan struct{})
	}
	return s.changed
}

// Inbound records m (or returns Fail's error).
func (s *Sink) Inbound(_ context.Context, m sms.Inbound) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Fail != nil {
		if err := s.Fail(m); err != nil {
			return err
		}
	}
	s.inbound = append(s.inbound, m)
	s.signal()
	return nil
}

// Report records r.
func (s *Sink) Report(_ context.Context, r sms.Report) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reports = append(s.reports, r)
	s.signal()
	return nil
}

// Health records h.
func (s *Sink) Health(h sms.Health) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.health = append(s.health, h)
	s.signal()
}

// Messages returns the inbound messages so far.
func (s *Sink) Messages() []sms.Inbound {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sms.Inbound(nil), s.inbound...)
}

// Reports returns the delivery reports so far.
func (s *Sink) Reports() []sms.Report {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sms.Report(nil), s.reports...)
}

// States returns the health states so far, in order.
func (s *Sink) States() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.health))
	for i, h := range s.health {
		out[i] = h.State
	}
	return out
}

// WaitFor waits until cond holds (checked after every change) or the
// timeout passes, which it reports as an error naming what.
func (s *Sink) WaitFor(timeout time.Duration, what string, cond func(s *Sink) bool) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ch := s.wait()
		s.mu.Unlock()
		if cond(s) {
			return nil
		}
		select {
		case <-ch:
		case <-deadline.C:
			if cond(s) {
				return nil
			}
			return fmt.Errorf("smstest: %s did not happen within %s", what, timeout)
		}
	}
}

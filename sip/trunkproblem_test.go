package sip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
)

func TestTrunkProblem(t *testing.T) {
	tr := Trunk{Name: "carrier", Registrar: "sip.example.net:5060", Username: "ivr", Transport: "udp"}
	wrapped := func(err error) error { return fmt.Errorf("REGISTER: %w", err) }
	for _, tc := range []struct {
		name string
		err  error
		want []string // all in the sentence
	}{
		{"bad password", &registerRefused{code: 403, reason: "Forbidden"}, []string{"refused the username or password", "403 Forbidden"}},
		{"challenge loop", &registerRefused{code: 401, reason: "Unauthorized"}, []string{"username or password", "401"}},
		{"unknown user", &registerRefused{code: 404, reason: "Not Found"}, []string{`does not know the user "ivr"`}},
		{"other answer", &registerRefused{code: 503, reason: "Service Unavailable"}, []string{"answered 503 Service Unavailable"}},
		{"connection refused", wrapped(&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), []string{"nothing answers at sip.example.net:5060 over UDP", "connection refused"}},
		{"sipgo's words", errors.New("client transcation failed to request connection: Transport<TCP> dial err=dial tcp <nil>->127.0.0.1:55387: connect: connection refused"), []string{"connection refused", "check the registrar's address"}},
		{"dns", wrapped(&net.DNSError{Name: "sip.example.net", Err: "no such host", IsNotFound: true}), []string{`"sip.example.net" cannot be resolved`, "no such host"}},
		{"timeout", wrapped(context.DeadlineExceeded), []string{"no answer from sip.example.net:5060 over UDP"}},
		{"transaction timeout", errors.New("transaction timeout"), []string{"no answer from"}},
		{"unreachable", wrapped(syscall.EHOSTUNREACH), []string{"cannot be reached"}},
		{"anything else", errors.New("something odd"), []string{"something odd"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := trunkProblem(tc.err, tr)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q lacks %q", got, w)
				}
			}
		})
	}
}

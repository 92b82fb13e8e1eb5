package sip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
)

// trunkProblem says in a sentence why a trunk could not register, for the
// people who look at the settings page and the API's last_error: what
// happened and what to check. The log keeps the full error.
func trunkProblem(err error, t Trunk) string {
	where := fmt.Sprintf("%s over %s", t.Registrar, strings.ToUpper(t.Transport))
	var refused *registerRefused
	var dns *net.DNSError
	text := err.Error()
	if p := tlsProblem(err, t); p != "" {
		return p
	}
	switch {
	case errors.As(err, &refused) && (refused.code == 401 || refused.code == 403 || refused.code == 407):
		return fmt.Sprintf("%s refused the username or password (%d %s)", t.Registrar, refused.code, refused.reason)
	case errors.As(err, &refused) && refused.code == 404:
		return fmt.Sprintf("%s does not know the user %q (%d %s)", t.Registrar, t.Username, refused.code, refused.reason)
	case errors.As(err, &refused):
		return fmt.Sprintf("%s answered %d %s", t.Registrar, refused.code, refused.reason)
	case errors.As(err, &dns):
		return fmt.Sprintf("the registrar's name %q cannot be resolved (%s)", dns.Name, dnsReason(dns))
	case errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(text, "connection refused"):
		return fmt.Sprintf("nothing answers at %s (connection refused): check the registrar's address, port and transport", where)
	case errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) || strings.Contains(text, "unreachable"):
		return fmt.Sprintf("%s cannot be reached (no route): check the network", where)
	case errors.Is(err, context.DeadlineExceeded) || strings.Contains(strings.ToLower(text), "timeout") || strings.Contains(text, "timed out"):
		return fmt.Sprintf("no answer from %s: check the address and that the provider allows this host", where)
	}
	return text
}

func dnsReason(e *net.DNSError) string {
	if e.IsNotFound {
		return "no such host"
	}
	if e.IsTimeout {
		return "the DNS server did not answer"
	}
	return e.Err
}

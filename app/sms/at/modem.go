package at

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Registration is a network registration status (+CREG/+CGREG/+CEREG <stat>).
type Registration int

const (
	RegNotSearching Registration = 0
	RegHome         Registration = 1
	RegSearching    Registration = 2
	RegDenied       Registration = 3
	RegUnknown      Registration = 4
	RegRoaming      Registration = 5
)

// Registered: home or roaming (and the SMS-only variants 6/7, 9/10).
func (r Registration) Registered() bool {
	switch r {
	case RegHome, RegRoaming, 6, 7, 9, 10:
		return true
	}
	return false
}

func (r Registration) String() string {
	switch r {
	case RegNotSearching:
		return "not searching"
	case RegHome:
		return "home"
	case RegSearching:
		return "searching"
	case RegDenied:
		return "denied"
	case RegUnknown:
		return "unknown"
	case RegRoaming:
		return "roaming"
	}
	return "stat " + strconv.Itoa(int(r))
}

// State is what the init sequence learned about the modem.
type State struct {
	SIM string // "READY" once unlocked
	// RSSI 0..31 (99 unknown) and BER from +CSQ; SignalDBM is −113+2·RSSI,
	// SignalKnown false when RSSI is 99.
	RSSI, BER   int
	SignalDBM   int
	SignalKnown bool
	// Registration is the best of +CREG, +CGREG and +CEREG (LTE modems
	// report only the latter).
	Registration Registration
	Operator     string
	// Notices is true when AT+CNMI was accepted (new messages raise +CMTI).
	Notices bool
}

// InitOptions for Init.
type InitOptions struct {
	// PIN is sent once when the SIM asks for it; a wrong PIN is never retried
	// (three wrong tries lock the SIM).
	PIN string
	// CNMI is the notice setting (default "2,1,0,2,0": store messages and
	// raise +CMTI; store status reports and raise +CDSI — <ds>=1 would push
	// them as +CDS).
	CNMI string
}

// Init brings a modem up: echo off, numeric errors, PDU mode, SIM PIN,
// signal, registration, operator and new-message notices.
func Init(ctx context.Context, s *Session, opt InitOptions) (State, error) {
	var st State
	for _, cmd := range []string{"ATE0", "AT+CMEE=1", "AT+CMGF=0"} {
		if _, err := s.Do(ctx, cmd); err != nil {
			return st, fmt.Errorf("modem init: %w", err)
		}
	}
	sim, err := querySIM(ctx, s)
	if err != nil {
		return st, fmt.Errorf("modem init: %w", err)
	}
	switch sim {
	case "READY":
	case "SIM PIN":
		if opt.PIN == "" {
			return st, fmt.Errorf("modem init: %w", ErrPINRequired)
		}
		if _, err := s.Do(ctx, `AT+CPIN="`+opt.PIN+`"`); err != nil {
			// never retried: three wrong tries lock the SIM
			if isFatal(err) {
				return st, fmt.Errorf("modem init: sending the PIN: %w", err)
			}
			return st, fmt.Errorf("modem init: the SIM refused the PIN: %w (%w)", ErrPINRequired, err)
		}
		if sim, err = querySIM(ctx, s); err != nil {
			return st, fmt.Errorf("modem init: %w", err)
		}
		if sim != "READY" {
			return st, fmt.Errorf("modem init: SIM is %q after the PIN", sim)
		}
	case "SIM PUK", "SIM PUK2":
		return st, fmt.Errorf("modem init: %w", ErrPUKRequired)
	default:
		return st, fmt.Errorf("modem init: SIM is %q", sim)
	}
	st.SIM = sim

	lines, err := s.Do(ctx, "AT+CSQ")
	if err != nil {
		return st, fmt.Errorf("modem init: %w", err)
	}
	if st.RSSI, st.BER, err = ParseCSQ(find(lines, "+CSQ:")); err != nil {
		return st, fmt.Errorf("modem init: %w", err)
	}
	st.SignalDBM, st.SignalKnown = SignalDBM(st.RSSI)

	st.Registration = RegNotSearching
	for _, q := range []string{"AT+CREG?", "AT+CGREG?", "AT+CEREG?"} {
		lines, err := s.Do(ctx, q)
		if err != nil {
			if isFatal(err) {
				return st, fmt.Errorf("modem init: %w", err)
			}
			continue // not every modem knows every registration command
		}
		if r, err := ParseCREG(find(lines, "+C")); err == nil && better(r, st.Registration) {
			st.Registration = r
		}
	}
	if lines, err := s.Do(ctx, "AT+COPS?"); err == nil {
		st.Operator, _ = ParseCOPS(find(lines, "+COPS:"))
	} else if isFatal(err) {
		return st, fmt.Errorf("modem init: %w", err)
	}
	cnmi := opt.CNMI
	if cnmi == "" {
		cnmi = "2,1,0,2,0"
	}
	if _, err := s.Do(ctx, "AT+CNMI="+cnmi); err == nil {
		st.Notices = true
	} else if isFatal(err) {
		return st, fmt.Errorf("modem init: %w", err)
	}
	return st, nil
}

func isFatal(err error) bool {
	var e *Error
	return !errors.As(err, &e)
}

func better(a, b Registration) bool {
	rank := func(r Registration) int {
		switch {
		case r == RegHome:
			return 4
		case r.Registered():
			return 3
		case r == RegSearching:
			return 2
		case r == RegDenied:
			return 1
		}
		return 0
	}
	return rank(a) > rank(b)
}

func querySIM(ctx context.Context, s *Session) (string, error) {
	lines, err := s.Do(ctx, "AT+CPIN?")
	if err != nil {
		return "", err
	}
	return ParseCPIN(find(lines, "+CPIN:"))
}

func find(lines []string, prefix string) string {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

func fields(line, name string) ([]string, error) {
	rest, ok := strings.CutPrefix(line, name)
	if !ok {
		return nil, fmt.Errorf("at: expected %s, got %q", name, line)
	}
	parts := strings.Split(strings.TrimSpace(rest), ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts, nil
}

// ParseCPIN reads "+CPIN: READY" / "+CPIN: SIM PIN".
func ParseCPIN(line string) (string, error) {
	rest, ok := strings.CutPrefix(line, "+CPIN:")
	if !ok {
		return "", fmt.Errorf("at: expected +CPIN:, got %q", line)
	}
	return strings.Trim(strings.TrimSpace(rest), `"`), nil
}

// ParseCSQ reads "+CSQ: <rssi>,<ber>".
func ParseCSQ(line string) (rssi, ber int, err error) {
	f, err := fields(line, "+CSQ:")
	if err != nil {
		return 0, 0, err
	}
	if len(f) != 2 {
		return 0, 0, fmt.Errorf("at: bad +CSQ: %q", line)
	}
	if rssi, err = strconv.Atoi(f[0]); err != nil || rssi < 0 || (rssi > 31 && rssi != 99) {
		return 0, 0, fmt.Errorf("at: bad +CSQ rssi in %q", line)
	}
	if ber, err = strconv.Atoi(f[1]); err != nil {
		return 0, 0, fmt.Errorf("at: bad +CSQ ber in %q", line)
	}
	return rssi, ber, nil
}

// SignalDBM converts a +CSQ rssi to dBm (−113 + 2·rssi); false for 99.
func SignalDBM(rssi int) (int, bool) {
	if rssi < 0 || rssi > 31 {
		return 0, false
	}
	return -113 + 2*rssi, true
}

// ParseCREG reads a registration reply or notice: "+CREG: <n>,<stat>[,…]"
// (the reply to AT+CREG?) or "+CREG: <stat>[,<lac>,<ci>…]" (the notice), and
// the same for +CGREG and +CEREG. The reply form is told by its second
// field being a bare number.
func ParseCREG(line string) (Registration, error) {
	name, _, ok := strings.Cut(line, ":")
	if !ok || (name != "+CREG" && name != "+CGREG" && name != "+CEREG") {
		return 0, fmt.Errorf("at: expected +CREG/+CGREG/+CEREG, got %q", line)
	}
	f, _ := fields(line, name+":")
	stat := f[0]
	if len(f) >= 2 && !strings.HasPrefix(f[1], `"`) {
		stat = f[1]
	}
	n, err := strconv.Atoi(stat)
	if err != nil || n < 0 || n > 11 {
		return 0, fmt.Errorf("at: bad registration status in %q", line)
	}
	return Registration(n), nil
}

// ParseCOPS reads "+COPS: <mode>[,<format>,<oper>[,<act>]]"; the operator is
// "" when the modem is not registered.
func ParseCOPS(line string) (string, error) {
	rest, ok := strings.CutPrefix(line, "+COPS:")
	if !ok {
		return "", fmt.Errorf("at: expected +COPS:, got %q", line)
	}
	_, after, ok := strings.Cut(rest, `"`)
	if !ok {
		return "", nil
	}
	op, _, ok := strings.Cut(after, `"`)
	if !ok {
		return "", fmt.Errorf("at: unterminated operator in %q", line)
	}
	return op, nil
}

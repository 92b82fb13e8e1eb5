package modem

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/sms/at"
	"github.com/switchboard/switchboard/app/sms/pdu"
	"github.com/switchboard/switchboard/app/sms/smstest"
)

// simStore stands in for the session in the receiving side's fuzz test: it
// answers AT+CMGD on a map of stored PDUs (and refuses, like a modem, an
// index that is not there).
type simStore struct {
	stored  map[int]string
	deleted []int
}

func (s *simStore) Do(_ context.Context, cmd string) ([]string, error) {
	if rest, ok := strings.CutPrefix(cmd, "AT+CMGD="); ok {
		i, _ := strconv.Atoi(rest)
		if _, ok := s.stored[i]; !ok {
			return nil, &at.Error{Kind: "+CMS", Code: 321}
		}
		delete(s.stored, i)
		s.deleted = append(s.deleted, i)
	}
	return nil, nil
}

// FuzzReceive feeds lines of hex (each stored at its own SIM index, as if
// +CMTI named it) through the receiving side, with sweeps re-reading what
// is stored and a store that refuses now and then. Whatever the bytes:
// no panic, and once time passes, the store accepts and the SIM is swept,
// every readable message has been handed over and deleted; only what
// cannot be read stays on the SIM.
func FuzzReceive(f *testing.F) {
	enc := func(d *pdu.Deliver) string {
		b, err := d.Encode()
		if err != nil {
			f.Fatal(err)
		}
		return fmt.Sprintf("%X", b)
	}
	from, _ := pdu.ParseAddress("+15551234567")
	single := enc(&pdu.Deliver{From: from, SCTimestamp: scts, UserData: pdu.UserData{Text: "hello"}})
	parts, _ := pdu.Split(strings.Repeat("long message ", 30), 5)
	var long []string
	for _, u := range parts {
		long = append(long, enc(&pdu.Deliver{From: from, SCTimestamp: scts, UserData: u}))
	}
	f.Add(single)
	f.Add(strings.Join([]string{long[2], long[0], "sweep", long[2], long[1]}, "\n"))
	f.Add(strings.Join([]string{"refuse", long[0], single, "sweep", "accept", "sweep", long[1]}, "\n"))
	f.Add(strings.Join([]string{long[0], "later", "0791447758100650040B91", "sweep", long[1], long[0]}, "\n"))
	f.Fuzz(func(t *testing.T, script string) {
		lines := strings.Split(script, "\n")
		if len(lines) > 64 {
			return
		}
		now := scts
		var refuse bool
		sink := &smstest.Sink{Fail: func(sms.Inbound) error {
			if refuse {
				return errors.New("refused")
			}
			return nil
		}}
		raw, _ := json.Marshal(map[string]any{"device": "/dev/null"})
		g, err := newGateway(sms.Config{Settings: raw}, sms.Env{Sink: sink, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }},
			knobs{partTimeout: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		sim := &simStore{stored: map[int]string{}}
		ctx := context.Background()
		sweep := func() {
			g.retry(ctx, sim)
			for i := 1; i <= len(lines); i++ {
				if p, ok := sim.stored[i]; ok {
					g.accept(ctx, sim, i, p)
				}
			}
			g.expire(ctx, sim)
		}
		for i, l := range lines {
			switch l {
			case "sweep":
				sweep()
			case "refuse":
				refuse = true
			case "accept":
				refuse = false
			case "later":
				now = now.Add(2 * time.Minute)
				g.expire(ctx, sim)
			default:
				sim.stored[i+1] = l
				g.accept(ctx, sim, i+1, l)
			}
		}
		refuse = false
		now = now.Add(time.Hour)
		sweep()
		sweep()
		for i, p := range sim.stored {
			if m, err := pdu.DecodeHex(p); err == nil {
				if _, ok := m.(*pdu.Deliver); ok {
					t.Fatalf("readable message at index %d left on the SIM: %s", i, p)
				}
			}
		}
		if g.rx.re.Pending() != 0 || len(g.rx.groups) != 0 || len(g.rx.waiting) != 0 {
			t.Fatalf("held after the end: %d pending, %d groups, %d waiting", g.rx.re.Pending(), len(g.rx.groups), len(g.rx.waiting))
		}
	})
}

// FuzzParseCMGL: any reply lines give entries with an index and a line
// after the header, and no panic.
func FuzzParseCMGL(f *testing.F) {
	f.Add("+CMGL: 1,0,,23\n0791447758100650040B915155214365F7000062213031540000")
	f.Add("+CMGL: 1,0,,23\n+CMGL: 2,1,,5\nABCD\n+CMGL: x\nzz")
	f.Fuzz(func(t *testing.T, reply string) {
		for _, l := range parseCMGL(strings.Split(reply, "\n")) {
			if l.idx < 0 || strings.HasPrefix(l.pdu, "+CMGL:") {
				t.Fatalf("bad entry %+v", l)
			}
		}
	})
}

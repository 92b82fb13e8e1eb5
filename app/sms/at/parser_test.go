package at

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// deliverPDU is an SMS-DELIVER with its SMSC field, written by hand:
//
//	07 91 447758100650  SMSC: 7 octets follow, international (0x91), +447785016005 in swapped semi-octets
//	04                  first octet: SMS-DELIVER (MTI 00), no more messages (MMS 0x04)
//	0B 91 5155214365F7  originator: 11 digits, international, +15551234567 (pairs swapped, F pads the odd digit)
//	00                  TP-PID: plain SMS
//	00                  TP-DCS: GSM 7-bit, no class
//	62213031540000      TP-SCTS: 26-12-03 13:45:00, timezone +0 (each octet semi-octet swapped)
//	05                  TP-UDL: 5 septets
//	E8329BFD06          "hello" packed into 7-bit septets (h=68 e=65 l=6C l=6C o=6F)
//
// The TPDU (without the SMSC field) is 24 octets.
const deliverPDU = "0791447758100650" + "04" + "0B915155214365F7" + "00" + "00" + "62213031540000" + "05" + "E8329BFD06"

func events(t *testing.T, p *Parser, chunks ...string) []Event {
	t.Helper()
	var out []Event
	for _, c := range chunks {
		out = append(out, p.Feed([]byte(c))...)
	}
	return out
}

func kinds(evs []Event) string {
	var b []string
	for _, e := range evs {
		s := e.Kind.String() + ":" + e.Line
		if e.Notice != nil && e.Notice.PDU != "" {
			s += "|" + e.Notice.PDU
		}
		b = append(b, s)
	}
	return strings.Join(b, "\n")
}

func TestDeliverPDULength(t *testing.T) {
	require.Len(t, deliverPDU, 2*(8+24))
}

func TestParserKinds(t *testing.T) {
	cases := []struct {
		name, command, in string
		want              []Event
	}{
		{"ok", "AT", "\r\nOK\r\n", []Event{{Kind: KindOK, Line: "OK"}}},
		{"echo then ok", "AT+CMEE=1", "AT+CMEE=1\r\r\nOK\r\n", []Event{{Kind: KindEcho, Line: "AT+CMEE=1"}, {Kind: KindOK, Line: "OK"}}},
		{"info", "AT+CSQ", "\r\n+CSQ: 21,99\r\n\r\nOK\r\n", []Event{{Kind: KindInfo, Line: "+CSQ: 21,99"}, {Kind: KindOK, Line: "OK"}}},
		{"error", "AT+FOO", "\r\nERROR\r\n", []Event{{Kind: KindError, Line: "ERROR", Err: &Error{Kind: "ERROR"}}}},
		{"cme", "AT+CPIN?", "\r\n+CME ERROR: 10\r\n", []Event{{Kind: KindError, Line: "+CME ERROR: 10", Err: &Error{Kind: "+CME", Code: 10}}}},
		{"cms", "AT+CMGS=20", "\r\n+CMS ERROR: 500\r\n", []Event{{Kind: KindError, Line: "+CMS ERROR: 500", Err: &Error{Kind: "+CMS", Code: 500}}}},
		{"cms verbose", "AT+CMGS=20", "\r\n+CMS ERROR: unknown error\r\n", []Event{{Kind: KindError, Line: "+CMS ERROR: unknown error", Err: &Error{Kind: "+CMS", Code: -1, Text: "unknown error"}}}},
		{"no carrier", "ATD1;", "\r\nNO CARRIER\r\n", []Event{{Kind: KindError, Line: "NO CARRIER", Err: &Error{Kind: "NO CARRIER"}}}},
		{"prompt", "AT+CMGS=24", "\r\n> ", []Event{{Kind: KindPrompt, Line: "> "}}},
		{"cmti", "", "\r\n+CMTI: \"SM\",3\r\n", []Event{{Kind: KindNotice, Line: `+CMTI: "SM",3`, Notice: &Notice{Name: "+CMTI", Line: `+CMTI: "SM",3`, Storage: "SM", Index: 3}}}},
		{"cdsi", "", "\r\n+CDSI: \"SR\",1\r\n", []Event{{Kind: KindNotice, Line: `+CDSI: "SR",1`, Notice: &Notice{Name: "+CDSI", Line: `+CDSI: "SR",1`, Storage: "SR", Index: 1}}}},
		{"cmt with pdu", "", "\r\n+CMT: ,24\r\n" + deliverPDU + "\r\n", []Event{{Kind: KindNotice, Line: "+CMT: ,24", Notice: &Notice{Name: "+CMT", Line: "+CMT: ,24", Length: 24, PDU: deliverPDU}}}},
		{"cds with pdu", "", "\r\n+CDS: 6\r\n0006010B91\r\n", []Event{{Kind: KindNotice, Line: "+CDS: 6", Notice: &Notice{Name: "+CDS", Line: "+CDS: 6", Length: 6, PDU: "0006010B91"}}}},
		{"cmt without its pdu", "", "\r\n+CMT: ,24\r\nRING\r\n", []Event{
			{Kind: KindNotice, Line: "+CMT: ,24", Notice: &Notice{Name: "+CMT", Line: "+CMT: ,24", Length: 24}},
			{Kind: KindNotice, Line: "RING", Notice: &Notice{Name: "RING", Line: "RING"}}}},
		{"ring", "", "\r\nRING\r\n", []Event{{Kind: KindNotice, Line: "RING", Notice: &Notice{Name: "RING", Line: "RING"}}}},
		{"vendor", "AT+CSQ", "\r\n^RSSI:12\r\n", []Event{{Kind: KindNotice, Line: "^RSSI:12", Notice: &Notice{Name: "^RSSI", Line: "^RSSI:12"}}}},
		{"vendor reply", "AT^SYSINFO", "\r\n^SYSINFO:2,3,0,5,1\r\n", []Event{{Kind: KindInfo, Line: "^SYSINFO:2,3,0,5,1"}}},
		{"creg reply", "AT+CREG?", "\r\n+CREG: 0,1\r\n", []Event{{Kind: KindInfo, Line: "+CREG: 0,1"}}},
		{"creg notice", "AT+CSQ", "\r\n+CREG: 2\r\n", []Event{{Kind: KindNotice, Line: "+CREG: 2", Notice: &Notice{Name: "+CREG", Line: "+CREG: 2"}}}},
		{"boot noise", "", "\x00\x00\r\nRDY\r\n\r\nSMS Ready\r\n", []Event{
			{Kind: KindNotice, Line: "RDY", Notice: &Notice{Name: "RDY", Line: "RDY"}},
			{Kind: KindNotice, Line: "SMS Ready", Notice: &Notice{Name: "SMS READY", Line: "SMS Ready"}}}},
		{"pdu echo after prompt", "0011", "0011\x1a\r\n+CMGS: 7\r\n\r\nOK\r\n", []Event{{Kind: KindEcho, Line: "0011\x1a"}, {Kind: KindInfo, Line: "+CMGS: 7"}, {Kind: KindOK, Line: "OK"}}},
		{"cmgr pdu line is info", "AT+CMGR=1", "\r\n+CMGR: 0,,24\r\n" + deliverPDU + "\r\n\r\nOK\r\n", []Event{{Kind: KindInfo, Line: "+CMGR: 0,,24"}, {Kind: KindInfo, Line: deliverPDU}, {Kind: KindOK, Line: "OK"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var p Parser
			p.SetCommand(c.command)
			got := events(t, &p, c.in)
			require.Equal(t, c.want, got)
		})
	}
}

// transcript is a real-looking exchange with everything at once: echo on, a
// notice between echo and result, a +CMT with its PDU inside a command, a
// prompt, and a vendor notice.
var transcript = "\x00RDY\r\nAT+CSQ\r\r\n+CMTI: \"SM\",2\r\n\r\n+CSQ: 17,99\r\n\r\n+CMT: ,24\r\n" + deliverPDU + "\r\n\r\nOK\r\n" +
	"\r\n^RSSI:9\r\n\r\n> 0011\x1a\r\n+CMGS: 12\r\n\r\nOK\r\n\r\n+CMS ERROR: 332\r\n"

// TestParserSplitAnywhere feeds the transcript split at every point (and
// byte by byte): the events are always those of one whole chunk.
func TestParserSplitAnywhere(t *testing.T) {
	var whole Parser
	whole.SetCommand("AT+CSQ")
	want := kinds(whole.Feed([]byte(transcript)))
	require.Equal(t, strings.Join([]string{
		"notice:RDY", "echo:AT+CSQ", `notice:+CMTI: "SM",2`, "info:+CSQ: 17,99", "notice:+CMT: ,24|" + deliverPDU, "ok:OK",
		"notice:^RSSI:9", "prompt:> ", "info:0011\x1a", "info:+CMGS: 12", "ok:OK", "error:+CMS ERROR: 332",
	}, "\n"), want)
	for i := 0; i <= len(transcript); i++ {
		for j := i; j <= len(transcript); j += 7 {
			var p Parser
			p.SetCommand("AT+CSQ")
			got := kinds(events(t, &p, transcript[:i], transcript[i:j], transcript[j:]))
			require.Equal(t, want, got, "split at %d and %d", i, j)
		}
	}
	var p Parser
	p.SetCommand("AT+CSQ")
	var got []Event
	for i := range len(transcript) {
		got = append(got, p.Feed([]byte{transcript[i]})...)
	}
	require.Equal(t, want, kinds(got))
}

func TestParserLongLineIsCut(t *testing.T) {
	var p Parser
	evs := p.Feed([]byte(strings.Repeat("A", 3*MaxLine) + "\r\nOK\r\n"))
	require.Len(t, evs, 2)
	require.Len(t, evs[0].Line, MaxLine)
	require.Equal(t, KindOK, evs[1].Kind)
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(transcript), uint8(3), uint8(1))
	f.Add([]byte("\r\n> \r\n+CDS: 6\r\n0006010B91\r\n"), uint8(1), uint8(0))
	f.Add([]byte("AT\r\r\nOK\r\n+CME ERROR: x\r\n"), uint8(0), uint8(2))
	commands := []string{"", "AT+CSQ", "AT+CREG?", "AT^SYSINFO", "0011"}
	f.Fuzz(func(t *testing.T, data []byte, step, cmd uint8) {
		command := commands[int(cmd)%len(commands)]
		var whole Parser
		whole.SetCommand(command)
		want := whole.Feed(data)
		// chunks of a varying size give the same events
		var split Parser
		split.SetCommand(command)
		var got []Event
		n := int(step)%13 + 1
		for i := 0; i < len(data); i += n {
			got = append(got, split.Feed(data[i:min(i+n, len(data))])...)
		}
		if fmt.Sprint(kinds(want)) != fmt.Sprint(kinds(got)) {
			t.Fatalf("split by %d:\n%s\nwhole:\n%s", n, kinds(got), kinds(want))
		}
		for _, e := range want {
			switch e.Kind {
			case KindError:
				if e.Err == nil {
					t.Fatalf("error event without an error: %q", e.Line)
				}
			case KindNotice:
				if e.Notice == nil || e.Notice.Name == "" {
					t.Fatalf("notice without a name: %q", e.Line)
				}
			case KindPrompt:
				if e.Line != "> " {
					t.Fatalf("prompt %q", e.Line)
				}
			default:
				if e.Line == "" || len(e.Line) > MaxLine || strings.ContainsAny(e.Line, "\r\n\x00") {
					t.Fatalf("bad line %q", e.Line)
				}
			}
		}
	})
}

package at

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseReplies(t *testing.T) {
	t.Run("CSQ", func(t *testing.T) {
		for _, c := range []struct {
			line      string
			rssi, ber int
			dbm       int
			known     bool
			bad       bool
		}{
			{line: "+CSQ: 21,99", rssi: 21, ber: 99, dbm: -71, known: true},
			{line: "+CSQ: 0,0", rssi: 0, ber: 0, dbm: -113, known: true},
			{line: "+CSQ: 31,7", rssi: 31, ber: 7, dbm: -51, known: true},
			{line: "+CSQ: 99,99", rssi: 99, ber: 99},
			{line: "+CSQ: 40,99", bad: true},
			{line: "+CSQ: x,1", bad: true},
			{line: "+CSQ: 12", bad: true},
			{line: "", bad: true},
		} {
			rssi, ber, err := ParseCSQ(c.line)
			if c.bad {
				require.Error(t, err, c.line)
				continue
			}
			require.NoError(t, err, c.line)
			require.Equal(t, []int{c.rssi, c.ber}, []int{rssi, ber}, c.line)
			dbm, known := SignalDBM(rssi)
			require.Equal(t, c.known, known, c.line)
			if known {
				require.Equal(t, c.dbm, dbm, c.line)
			}
		}
	})
	t.Run("CREG", func(t *testing.T) {
		for _, c := range []struct {
			line string
			want Registration
			bad  bool
		}{
			{line: "+CREG: 0,1", want: RegHome},
			{line: "+CREG: 2,5,\"1A2B\",\"00C3F1\"", want: RegRoaming},
			{line: "+CREG: 2", want: RegSearching},                // the notice form
			{line: "+CREG: 1,\"1A2B\",\"00C3F1\"", want: RegHome}, // the notice form with location
			{line: "+CEREG: 0,3", want: RegDenied},
			{line: "+CGREG: 1,4", want: RegUnknown},
			{line: "+CEREG: 0,12", bad: true},
			{line: "+CSQ: 1,1", bad: true},
			{line: "+CREG: ", bad: true},
		} {
			got, err := ParseCREG(c.line)
			if c.bad {
				require.Error(t, err, c.line)
				continue
			}
			require.NoError(t, err, c.line)
			require.Equal(t, c.want, got, c.line)
		}
		require.True(t, RegRoaming.Registered())
		require.False(t, RegSearching.Registered())
	})
	t.Run("COPS", func(t *testing.T) {
		for line, want := range map[string]string{
			`+COPS: 0,0,"Fake Mobile",7`: "Fake Mobile",
			`+COPS: 0,2,"00101"`:         "00101",
			`+COPS: 0`:                   "",
		} {
			got, err := ParseCOPS(line)
			require.NoError(t, err, line)
			require.Equal(t, want, got, line)
		}
		_, err := ParseCOPS(`+COPS: 0,0,"Fake`)
		require.Error(t, err)
	})
	t.Run("CPIN", func(t *testing.T) {
		for line, want := range map[string]string{"+CPIN: READY": "READY", "+CPIN: SIM PIN": "SIM PIN", `+CPIN: "SIM PUK"`: "SIM PUK"} {
			got, err := ParseCPIN(line)
			require.NoError(t, err)
			require.Equal(t, want, got)
		}
		_, err := ParseCPIN("READY")
		require.Error(t, err)
	})
	t.Run("errors", func(t *testing.T) {
		e := &Error{Kind: "+CMS", Code: 500, Command: "AT+CMGS=18"}
		require.Equal(t, "at: AT+CMGS=18: +CMS ERROR: 500", e.Error())
		code, ok := CMSCode(e)
		require.True(t, ok)
		require.Equal(t, 500, code)
		_, ok = CMECode(e)
		require.False(t, ok)
		require.Equal(t, `AT+CPIN=***`, redact(`AT+CPIN="1234"`))
		require.Equal(t, `AT+CSQ`, redact(`AT+CSQ`))
	})
}

package config

import (
	"errors"
	"testing"
)

// FuzzParseFile: any bytes give a parsed file or FileErrors, never a panic,
// and every error carries the path.
func FuzzParseFile(f *testing.F) {
	for _, s := range []string{
		"data = \"/var/lib/switchboard\"\nmax_calls = 50\n",
		"sip_allow = [\"10.0.0.0/8\", \"192.168.0.0/16\"]\n",
		"max_cals = 5\n", "[serve]\nmax_calls = 3\n", "http = \n", "headless = yes\n",
		"backup_every = \"24h\"\nbackup_keep = 7\n", "\xff\xfe", "a.b.c = 1\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := ParseFile("f.toml", b)
		if err == nil {
			if l == nil {
				t.Fatal("nil without an error")
			}
			return
		}
		var es FileErrors
		if !errors.As(err, &es) || len(es) == 0 {
			t.Fatalf("error is not FileErrors: %T %v", err, err)
		}
		for _, e := range es {
			if e.Path != "f.toml" || e.Msg == "" {
				t.Fatalf("bad error %+v", e)
			}
		}
	})
}

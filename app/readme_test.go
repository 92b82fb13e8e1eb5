package app

import (
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReadmeCurlSendsWhatItSays: every curl in README.md sends form values
// as written. curl's -d/--data sends its argument raw, so a "+" in an E.164
// address reaches the server as a space; --data-urlencode encodes it.
func TestReadmeCurlSendsWhatItSays(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	curls := 0
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "curl ") {
			continue
		}
		curls++
		args := strings.Fields(line)
		for i := 0; i < len(args)-1; i++ {
			var body, want string
			switch args[i] {
			case "-d", "--data", "--data-raw", "--data-ascii":
				body, want = args[i+1], args[i+1] // sent as is
			case "--data-urlencode":
				name, value, _ := strings.Cut(args[i+1], "=")
				body, want = name+"="+url.QueryEscape(value), args[i+1]
			default:
				continue
			}
			form, err := url.ParseQuery(body)
			require.NoError(t, err, line)
			name, value, _ := strings.Cut(want, "=")
			require.Equal(t, value, form.Get(name), "README: %s\nsends %s=%q, not %q", line, name, form.Get(name), value)
		}
	}
	require.NotZero(t, curls, "README.md has no curl examples")
}

package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/config"
	"github.com/switchboard/switchboard/app/store"
)

// Every flag serve takes (its own and the global ones) has a config key,
// and every key names a flag.
func TestEveryServeFlagHasAConfigKey(t *testing.T) {
	root := newRoot(nil)
	var serve *cobra.Command
	for _, c := range root.Commands() {
		if c.Name() == "serve" {
			serve = c
		}
	}
	require.NotNil(t, serve)
	keys := map[string]bool{}
	for _, k := range config.Keys() {
		keys[k] = true
	}
	seen := map[string]bool{}
	check := func(f *pflag.Flag) {
		if f.Name == "help" || f.Name == "config" {
			return
		}
		k := config.FlagKey(f.Name)
		seen[k] = true
		require.True(t, keys[k], "--%s has no config key %q", f.Name, k)
	}
	serve.LocalFlags().VisitAll(check)
	root.PersistentFlags().VisitAll(check)
	for k := range keys {
		base := strings.TrimSuffix(k, "_file")
		require.True(t, seen[k] || seen[base], "key %q names no flag", k)
	}
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "switchboard.toml")
	require.NoError(t, os.WriteFile(p, []byte(body), 0o640))
	return p
}

func TestConfigCheckReportsLines(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(secret, []byte("tok-from-file-0123456789abcdef\n"), 0o600))
	good := writeConfig(t, `# a branch office
data = "/var/lib/switchboard"
http = "0.0.0.0:8080"
max_calls = 50
backup_every = "12h"
sip_allow = ["192.168.1.0/24"]
auth_token_file = "`+secret+`"
`)
	code, out := cli(t, "config", "check", good)
	require.Equal(t, 0, code, out)
	require.Contains(t, out, good+": ok")

	for _, tc := range []struct {
		name, body, want string
	}{
		{"typo", "http = \"127.0.0.1:8080\"\n\nmax_cals = 5\n", ":3:1: unknown key \"max_cals\" (did you mean \"max_calls\"?)"},
		{"wrong type", "data = \"/d\"\nmax_calls = \"fifty\"\n", ":2"},
		{"bad value", "data = \"/d\"\n\nrtp_ports = \"1-2\"\n", ":3: rtp_ports \"1-2\""},
		{"bad duration", "backup_every = \"daily\"\n", ":1: backup_every: "},
		{"bad syntax", "data = \"/d\"\nhttp = \n", ":2:"},
		{"missing secret file", "auth_token_file = \"/nonexistent/token\"\n", ":1: auth_token_file: cannot read the secret's file"},
		{"bad log level", "data = \"/d\"\nlog_level = \"loud\"\n", ":2: log_level \"loud\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeConfig(t, tc.body)
			code, out := cli(t, "config", "check", p)
			require.Equal(t, 1, code, out)
			require.Contains(t, out, p+tc.want)
		})
	}
}

func TestConfigPrecedence(t *testing.T) {
	tokFile := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(tokFile, []byte("from-the-file\n"), 0o600))
	trunks := filepath.Join(t.TempDir(), "trunks")
	require.NoError(t, os.WriteFile(trunks, []byte("# carriers\nsip://a:pw@one.example.com\n\nsip://b:pw@two.example.com?name=two\n"), 0o600))
	p := writeConfig(t, `
max_calls = 5
rtp_ports = "20000-20100"
auth_token_file = "`+tokFile+`"
trunk_file = "`+trunks+`"
account_sid = "ACfromfile"
`)
	l, err := config.LoadFile(p)
	require.NoError(t, err)

	cfg := config.Default()
	cmd := newServeCmd(&cfg, nil)
	require.NoError(t, cmd.ParseFlags([]string{"--max-calls", "7"}))
	env := map[string]string{"SWITCHBOARD_ACCOUNT_SID": "ACfromenv"}
	require.NoError(t, l.Apply(cmd.Flags(), func(k string) string { return env[k] }))
	require.Equal(t, 7, cfg.MaxCalls, "the command line beats the file")
	require.Equal(t, "20000-20100", cfg.RTPPorts, "the file beats the default")
	require.Equal(t, "from-the-file", cfg.AuthToken, "a secret read from its file, newline trimmed")
	require.Equal(t, []string{"sip://a:pw@one.example.com", "sip://b:pw@two.example.com?name=two"}, cfg.Trunks)
	require.NotEqual(t, "ACfromfile", cfg.AccountSID, "the environment beats the file")
}

// The global commands read the file too: backup finds the data directory
// the file names.
func TestConfigFileReachesEveryCommand(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	st, err := store.Open(ctx, data)
	require.NoError(t, err)
	require.NoError(t, st.Close())
	p := writeConfig(t, "data = \""+data+"\"\n")
	dest := filepath.Join(t.TempDir(), "b.db")
	code, out := cli(t, "--config", p, "backup", dest)
	require.Equal(t, 0, code, out)
	_, err = os.Stat(dest)
	require.NoError(t, err)

	code, out = cli(t, "--config", filepath.Join(t.TempDir(), "missing.toml"), "backup", dest+"2")
	require.NotEqual(t, 0, code, "a named file that is missing is an error")
	require.Contains(t, out, "missing.toml")
}

// The file the package installs is valid as shipped.
func TestShippedConfigFileIsValid(t *testing.T) {
	p := filepath.Join("..", "build", "package", "switchboard.toml")
	code, out := cli(t, "config", "check", p)
	require.Equal(t, 0, code, out)
}

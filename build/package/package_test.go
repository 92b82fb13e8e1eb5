//go:build linux

// Package packaging tests the Debian package `make package` builds: its
// metadata, and its life in a throwaway root (dpkg --root, the maintainer
// scripts run outside a chroot with $DPKG_ROOT set): install, the service's
// user and permissions, the unit under systemd-analyze, an upgrade over an
// older build with data in the store, remove and purge.
//
// `make package-test` builds the two packages and runs this test; run by
// hand without them (go test ./...), it skips.
package packaging

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	accountSID = "AC00000000000000000000000000000abc"
	authToken  = "secretsecretsecretsecretsecret42"
)

// debIn is the one switchboard_*.deb in the directory $name names.
func debIn(t *testing.T, name string) string {
	t.Helper()
	dir := os.Getenv(name)
	if dir == "" {
		if os.Getenv("SWITCHBOARD_REQUIRE_PACKAGE") != "" {
			t.Fatalf("$%s is not set", name)
		}
		t.Skipf("$%s is not set: run make package-test", name)
	}
	debs, err := filepath.Glob(filepath.Join(dir, "switchboard_*.deb"))
	require.NoError(t, err)
	require.Len(t, debs, 1, "one switchboard package in %s", dir)
	return debs[0]
}

func requireTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"dpkg", "dpkg-deb", "systemd-analyze", "useradd"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("SWITCHBOARD_REQUIRE_PACKAGE") != "" {
				t.Fatalf("%s is missing (make package-test-deps installs it)", tool)
			}
			t.Skipf("%s is missing: run make package-test", tool)
		}
	}
	if os.Geteuid() != 0 {
		// The maintainer scripts chown files to the service's user.
		t.Skip("installing into a throwaway root needs root")
	}
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	require.NoError(t, err, "%s %s:\n%s", name, strings.Join(args, " "), out)
	return string(out)
}

func TestPackageContents(t *testing.T) {
	requireTools(t)
	deb := debIn(t, "SWITCHBOARD_PACKAGE_NEW")
	old := debIn(t, "SWITCHBOARD_PACKAGE_OLD")

	field := func(deb, f string) string { return strings.TrimSpace(run(t, "dpkg-deb", "--field", deb, f)) }
	require.Equal(t, "switchboard", field(deb, "Package"))
	depends := strings.Split(field(deb, "Depends"), ", ")
	require.Subset(t, depends, []string{"espeak-ng", "flite", "passwd"}, "the TTS engines and useradd")
	// The upgrade below is an upgrade: dpkg orders the versions so.
	run(t, "dpkg", "--compare-versions", field(old, "Version"), "lt", field(deb, "Version"))

	// Path → "mode owner/group" as dpkg-deb lists them.
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(run(t, "dpkg-deb", "--contents", deb)), "\n") {
		f := strings.Fields(line)
		require.GreaterOrEqual(t, len(f), 6, line)
		got[strings.TrimPrefix(f[5], ".")] = f[0] + " " + f[1]
	}
	for path, want := range map[string]string{
		"/usr/bin/switchboard":                         "-rwxr-xr-x root/root",
		"/lib/systemd/system/switchboard.service":      "-rw-r--r-- root/root",
		"/lib/udev/rules.d/60-switchboard-modem.rules": "-rw-r--r-- root/root",
		"/etc/switchboard/switchboard.toml":            "-rw-r----- root/root", // postinst gives it to group switchboard
		"/usr/share/doc/switchboard/README.md":         "-rw-r--r-- root/root",
		"/etc/switchboard/":                            "drwxr-xr-x root/root",
	} {
		require.Equal(t, want, got[path], path)
	}
	require.Equal(t, "/etc/switchboard/switchboard.toml", strings.TrimSpace(run(t, "dpkg-deb", "--info", deb, "conffiles")))
	info := run(t, "dpkg-deb", "--info", deb)
	for _, script := range []string{"postinst", "prerm", "postrm"} {
		require.Regexp(t, `\d+ lines\s+\*\s+`+script+`\s`, info, "%s is there and executable", script)
	}
}

// root is a throwaway dpkg root: a fresh Debian's user database (from
// base-passwd's templates, so group dialout is there) and an empty dpkg
// database.
type root struct {
	t   *testing.T
	dir string
}

func newRoot(t *testing.T) *root {
	dir := t.TempDir()
	for _, d := range []string{"etc", "var/lib/dpkg/info", "var/lib/dpkg/updates", "var/log"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, d), 0o755))
	}
	for _, f := range []struct{ from, to string }{
		{"/usr/share/base-passwd/passwd.master", "etc/passwd"},
		{"/usr/share/base-passwd/group.master", "etc/group"},
	} {
		b, err := os.ReadFile(f.from)
		require.NoError(t, err, "base-passwd's templates")
		require.NoError(t, os.WriteFile(filepath.Join(dir, f.to), b, 0o644))
	}
	for _, f := range []string{"var/lib/dpkg/status", "var/lib/dpkg/available"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), nil, 0o644))
	}
	return &root{t: t, dir: dir}
}

func (r *root) path(p string) string { return filepath.Join(r.dir, p) }

// dpkg runs dpkg on the root. The maintainer scripts run on the host with
// DPKG_ROOT set (no chroot: the root holds no shell). The package's
// dependencies are not in the root, hence --force-depends.
func (r *root) dpkg(args ...string) string {
	r.t.Helper()
	base := []string{"--root=" + r.dir, "--log=" + r.path("var/log/dpkg.log"),
		"--force-script-chrootless", "--force-depends", "--force-unsafe-io"}
	return run(r.t, "dpkg", append(base, args...)...)
}

// entry is the user database line of name in file (passwd or group), split.
func (r *root) entry(file, name string) []string {
	b, err := os.ReadFile(r.path("etc/" + file))
	require.NoError(r.t, err)
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Split(line, ":"); f[0] == name {
			return f
		}
	}
	return nil
}

func (r *root) requireMode(p string, mode os.FileMode, uid, gid string) {
	r.t.Helper()
	fi, err := os.Stat(r.path(p))
	require.NoError(r.t, err, p)
	require.Equal(r.t, mode, fi.Mode()&(os.ModePerm|os.ModeDir), p)
	st := fi.Sys().(*syscall.Stat_t)
	require.Equal(r.t, uid+":"+gid, fmt.Sprintf("%d:%d", st.Uid, st.Gid), p)
}

func TestPackageInstallUpgradeRemovePurge(t *testing.T) {
	requireTools(t)
	newDeb := debIn(t, "SWITCHBOARD_PACKAGE_NEW")
	oldDeb := debIn(t, "SWITCHBOARD_PACKAGE_OLD")
	r := newRoot(t)

	// Install the older build.
	r.dpkg("--install", oldDeb)
	require.Contains(t, run(t, r.path("usr/bin/switchboard"), "version"), "0.0.0-old")
	user := r.entry("passwd", "switchboard")
	require.NotNil(t, user, "postinst created the user")
	require.Equal(t, []string{"/var/lib/switchboard", "/usr/sbin/nologin"}, user[5:7])
	uid, gid := user[2], user[3]
	require.Equal(t, gid, r.entry("group", "switchboard")[2], "its own group")
	require.Contains(t, strings.Split(r.entry("group", "dialout")[3], ","), "switchboard", "in dialout for the modems")
	r.requireMode("usr/bin/switchboard", 0o755, "0", "0")
	r.requireMode("etc/switchboard/switchboard.toml", 0o640, "0", gid)
	r.requireMode("var/lib/switchboard", 0o750|os.ModeDir, uid, gid)
	wants, err := os.Readlink(r.path("etc/systemd/system/multi-user.target.wants/switchboard.service"))
	require.NoError(t, err, "enabled at boot")
	require.Equal(t, "/lib/systemd/system/switchboard.service", wants)

	// A second configure (dpkg-reconfigure, a reinstall) finds the user there.
	r.dpkg("--install", oldDeb)
	require.Equal(t, user, r.entry("passwd", "switchboard"))

	// Data through the old binary: a flow and an execution over the REST API.
	data := r.path("var/lib/switchboard")
	var flows []string
	var executions []string
	withServe(t, r, func(api apiClient) {
		sid := api.createFlow("kept across upgrades", `{"initial_state": "Trigger", "states": [
		  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingRequest", "next": "v"}]},
		  {"name": "v", "type": "set-variables", "properties": {"variables": [{"key": "n", "value": "1"}]}, "transitions": [{"event": "next"}]}]}`)
		api.post("/v2/Flows/"+sid+"/Executions", url.Values{"To": {"+15550001111"}, "From": {"+15550002222"}})
		flows, executions = api.everything()
	})
	require.Len(t, flows, 2, "the demo flow and ours")
	require.Len(t, executions, 1)

	// Upgrade: the newer build over it; the unit of the new build checks out.
	r.dpkg("--install", newDeb)
	require.NotContains(t, run(t, r.path("usr/bin/switchboard"), "version"), "0.0.0-old")
	verifyUnit(t, r)
	withServe(t, r, func(api apiClient) {
		f, e := api.everything()
		require.Equal(t, flows, f, "every flow after the upgrade")
		require.Equal(t, executions, e, "every execution after the upgrade")
	})
	out := t.TempDir()
	run(t, r.path("usr/bin/switchboard"), "--config", r.path("etc/switchboard/switchboard.toml"), "--data", data, "flow", "export", "--all", out)
	for _, sid := range flows {
		m, err := filepath.Glob(filepath.Join(out, "*"+sid+".json"))
		require.NoError(t, err)
		require.Len(t, m, 1, "flow export wrote %s", sid)
	}

	// Remove keeps the data, the config and the user; purge removes them.
	r.dpkg("--remove", "switchboard")
	require.NoFileExists(t, r.path("usr/bin/switchboard"))
	require.FileExists(t, r.path("var/lib/switchboard/switchboard.db"))
	require.FileExists(t, r.path("etc/switchboard/switchboard.toml"))
	require.NotNil(t, r.entry("passwd", "switchboard"))

	r.dpkg("--purge", "switchboard")
	require.NoDirExists(t, r.path("var/lib/switchboard"))
	require.NoDirExists(t, r.path("etc/switchboard"))
	require.Nil(t, r.entry("passwd", "switchboard"), "purge removes the user")
	require.Nil(t, r.entry("group", "switchboard"))
	require.NotContains(t, strings.Split(r.entry("group", "dialout")[3], ","), "switchboard")
	_, err = os.Lstat(r.path("etc/systemd/system/multi-user.target.wants/switchboard.service"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

// verifyUnit runs systemd-analyze verify on the installed unit. The verify
// root is the host's systemd units (the targets the unit is ordered
// against) plus the package's unit and binary (verify checks ExecStart); any
// warning fails.
func verifyUnit(t *testing.T, r *root) {
	t.Helper()
	v := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(v, "lib/systemd"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(v, "usr/bin"), 0o755))
	run(t, "cp", "-a", "/lib/systemd/system", filepath.Join(v, "lib/systemd/"))
	run(t, "cp", r.path("lib/systemd/system/switchboard.service"), filepath.Join(v, "lib/systemd/system/"))
	run(t, "cp", r.path("usr/bin/switchboard"), filepath.Join(v, "usr/bin/"))
	out, err := exec.Command("systemd-analyze", "verify", "--root="+v, "switchboard.service").CombinedOutput()
	require.NoError(t, err, "systemd-analyze verify:\n%s", out)
	require.Empty(t, strings.TrimSpace(string(out)), "systemd-analyze verify warns")
}

type apiClient struct {
	t    *testing.T
	base string
}

func (a apiClient) do(method, path string, form url.Values) []byte {
	a.t.Helper()
	req, err := http.NewRequest(method, a.base+path, strings.NewReader(form.Encode()))
	require.NoError(a.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(accountSID, authToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(a.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(a.t, err)
	require.Less(a.t, resp.StatusCode, 300, "%s %s: %s", method, path, body)
	return body
}

func (a apiClient) post(path string, form url.Values) []byte { return a.do("POST", path, form) }

func (a apiClient) createFlow(name, def string) string {
	var f struct{ SID string }
	require.NoError(a.t, json.Unmarshal(a.post("/v2/Flows", url.Values{"FriendlyName": {name}, "Status": {"published"}, "Definition": {def}}), &f))
	require.NotEmpty(a.t, f.SID)
	return f.SID
}

// everything lists every flow SID and every execution SID (flow/execution), sorted.
func (a apiClient) everything() (flows, executions []string) {
	var fl struct{ Flows []struct{ SID string } }
	require.NoError(a.t, json.Unmarshal(a.do("GET", "/v2/Flows?PageSize=1000", nil), &fl))
	for _, f := range fl.Flows {
		flows = append(flows, f.SID)
		var ex struct {
			Executions []struct{ SID, Status string }
		}
		require.NoError(a.t, json.Unmarshal(a.do("GET", "/v2/Flows/"+f.SID+"/Executions?PageSize=1000", nil), &ex))
		for _, e := range ex.Executions {
			executions = append(executions, f.SID+"/"+e.SID)
		}
	}
	sort.Strings(flows)
	sort.Strings(executions)
	return flows, executions
}

// withServe runs the root's switchboard serve with the root's config file
// and data directory (loopback, free ports) until f returns, then stops it
// as systemd would (SIGTERM) and requires a clean exit.
func withServe(t *testing.T, r *root, f func(apiClient)) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.path("usr/bin/switchboard"), "serve", "--headless",
		"--config", r.path("etc/switchboard/switchboard.toml"), "--data", r.path("var/lib/switchboard"),
		"--http", addr, "--sip", "127.0.0.1:0", "--account-sid", accountSID)
	cmd.Env = append(os.Environ(), "SWITCHBOARD_AUTH_TOKEN="+authToken)
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	base := "http://" + addr
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("serve exited: %v\n%s", err, logs.String())
		default:
		}
		require.True(t, time.Now().Before(deadline), "serve did not answer /healthz:\n%s", logs.String())
	}
	f(apiClient{t: t, base: base})
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-exited:
		require.NoError(t, err, "serve on SIGTERM:\n%s", logs.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("serve did not stop on SIGTERM:\n%s", logs.String())
	}
}

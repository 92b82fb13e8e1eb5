package app

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportRules (DESIGN.md's layout rules) keeps the house simple: engine/ is pure (no app, sip, media,
// database/sql or Wails), and sip/ and media/ know nothing of flows.
func TestImportRules(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go tool not on PATH")
	}
	const mod = "github.com/switchboard/switchboard"
	rules := []struct {
		pkgs      string
		forbidden []string
	}{
		{mod + "/engine/...", []string{mod + "/app", mod + "/sip", mod + "/media", "database/sql", "github.com/wailsapp/"}},
		{mod + "/sip/...", []string{mod + "/engine", mod + "/app"}},
		{mod + "/media/...", []string{mod + "/engine", mod + "/app", mod + "/sip"}},
		{mod + "/schema/...", []string{mod + "/engine", mod + "/app", mod + "/sip", mod + "/media", "database/sql"}},
	}
	for _, r := range rules {
		out, err := exec.Command("go", "list", "-deps", "-test", r.pkgs).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", r.pkgs, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, f := range r.forbidden {
				if dep == f || strings.HasPrefix(dep, f+"/") || (strings.HasSuffix(f, "/") && strings.HasPrefix(dep, f)) {
					t.Errorf("%s imports %s, which it must not", r.pkgs, dep)
				}
			}
		}
	}
}

package store

import (
	"context"
	"errors"
	"testing"
)

// A flag trunk is seeded once per name: starting again changes nothing, an
// edit made through the API is replaced by the flag at the next start, and
// the numbers given through the API stay.
func TestSeedTrunk(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	flag := Trunk{FriendlyName: "carrier", Registrar: "sip.example.com:5060", Username: "ivr", Password: "pw", Expires: 3600, Transport: "udp"}
	first, err := s.SeedTrunk(ctx, "TK1", flag)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.SeedTrunk(ctx, "TK2", flag)
	if err != nil || again.SID != "TK1" || !again.DateUpdated.Equal(first.DateUpdated) {
		t.Fatalf("seeding again: %+v %v", again, err)
	}
	edited := *again
	edited.Registrar, edited.Numbers = "other.example.com:5060", []string{"+15550001111"}
	if _, err := s.UpdateTrunk(ctx, edited); err != nil {
		t.Fatal(err)
	}
	back, err := s.SeedTrunk(ctx, "TK3", flag)
	if err != nil || back.SID != "TK1" || back.Registrar != flag.Registrar || back.Source != SourceFlag ||
		len(back.Numbers) != 1 || back.Numbers[0] != "+15550001111" {
		t.Fatalf("after an edit: %+v %v", back, err)
	}
	all, _ := s.Trunks(ctx)
	if len(all) != 1 {
		t.Fatalf("%d trunks", len(all))
	}
	// Credentials: one username across lists; a list takes its credentials along.
	l, err := s.FlagCredentialList(ctx, "CL1", "--sip-user")
	if err != nil {
		t.Fatal(err)
	}
	if l2, _ := s.FlagCredentialList(ctx, "CL2", "--sip-user"); l2.SID != "CL1" {
		t.Fatalf("a second flag list: %+v", l2)
	}
	other, _ := s.CreateCredentialList(ctx, CredentialList{SID: "CL3", FriendlyName: "office"})
	if _, err := s.CreateCredential(ctx, Credential{SID: "CR1", ListSID: l.SID, Username: "desk1", HA1: "x", Realm: "r"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateCredential(ctx, Credential{SID: "CR2", ListSID: other.SID, Username: "desk1", HA1: "y", Realm: "r"}); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("same username in another list: %v", err)
	}
	if err := s.DeleteCredentialList(ctx, l.SID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CredentialByUsername(ctx, "desk1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("credential outlived its list: %v", err)
	}
}

// A TLS trunk's CA file and its certificate-check opt-out survive the
// store (migration 0014), on create and update.
func TestTrunkTLSFields(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tr, err := s.CreateTrunk(ctx, Trunk{SID: "TK1", FriendlyName: "carrier", Registrar: "sip.example.com:5061", Expires: 3600,
		Transport: "tls", TLSCAFile: "/etc/switchboard/carrier-ca.pem"})
	if err != nil || tr.Transport != "tls" || tr.TLSCAFile != "/etc/switchboard/carrier-ca.pem" || tr.TLSInsecureSkipVerify {
		t.Fatalf("created %+v %v", tr, err)
	}
	tr.TLSCAFile, tr.TLSInsecureSkipVerify = "", true
	up, err := s.UpdateTrunk(ctx, *tr)
	if err != nil || up.TLSCAFile != "" || !up.TLSInsecureSkipVerify {
		t.Fatalf("updated %+v %v", up, err)
	}
}

// Package auth holds the appliance's credentials: the account SID and auth
// token that sign every API request (HTTP Basic, like Twilio) and webhook
// (X-Twilio-Signature), and the API keys that can be created and revoked.
// Secrets are compared in constant time and never logged; API key secrets are
// stored only as hashes. Throttle refuses, for a while, a source that keeps
// failing (credential guessing).
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/switchboard/switchboard/app/sid"

	"github.com/switchboard/switchboard/app/atomicfile"
)

// FileName is the credentials file inside the data directory (mode 0600).
const FileName = "credentials.json"

// Prefixes of the SIDs auth deals in.
const (
	AccountPrefix = "AC"
	KeyPrefix     = "SK"
)

// ErrInvalid is wrapped by every credential error.
var ErrInvalid = errors.New("invalid credentials")

// Credentials are the account SID and its auth token.
type Credentials struct {
	AccountSID string `json:"account_sid"`
	AuthToken  string `json:"auth_token"`
}

// String hides the token, so that credentials printed by mistake leak nothing.
func (c Credentials) String() string { return c.AccountSID + ":<auth token hidden>" }

// LogValue keeps the token out of structured logs too.
func (c Credentials) LogValue() any { return c.AccountSID }

// Validate checks the shapes: an AC SID and a token of 32 hex digits or more.
func (c Credentials) Validate() error {
	if !sid.Valid(c.AccountSID, AccountPrefix) {
		return fmt.Errorf("%w: account SID must be AC followed by 32 hex digits", ErrInvalid)
	}
	if len(c.AuthToken) < 32 {
		return fmt.Errorf("%w: auth token must be at least 32 characters", ErrInvalid)
	}
	return nil
}

// NewToken returns a random 32-hex-digit secret (auth tokens, key secrets).
func NewToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// LoadOrCreate returns the credentials to run with. Given ones (flags or the
// environment) win and are not written down; else those kept in the data
// directory; else new ones are generated and kept there (created is true).
func LoadOrCreate(dir string, given Credentials) (c Credentials, created bool, err error) {
	if given.AccountSID != "" || given.AuthToken != "" {
		if err := given.Validate(); err != nil {
			return Credentials{}, false, err
		}
		return given, false, nil
	}
	path := filepath.Join(dir, FileName)
	b, err := os.ReadFile(path)
	if err == nil {
		if err := json.Unmarshal(b, &c); err != nil {
			return Credentials{}, false, fmt.Errorf("%w: %s: %v", ErrInvalid, path, err)
		}
		if err := c.Validate(); err != nil {
			return Credentials{}, false, fmt.Errorf("%s: %w", path, err)
		}
		return c, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return Credentials{}, false, fmt.Errorf("auth: %w", err)
	}
	c = Credentials{AccountSID: sid.New(AccountPrefix), AuthToken: NewToken()}
	b, _ = json.MarshalIndent(c, "", "  ")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return Credentials{}, false, fmt.Errorf("auth: %w", err)
	}
	// Written whole, so a crash never leaves half a file.
	if err := atomicfile.Write(path, append(b, '\n'), 0o600); err != nil {
		return Credentials{}, false, fmt.Errorf("auth: %w", err)
	}
	return c, true, nil
}

// HashSecret is how API key secrets are kept: SHA-256, hex. Secrets are 128
// random bits, so a fast hash is enough.
func HashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// KeyStore looks up API keys by SID; it returns the secret's hash, or "" for
// a key that does not exist (revoked keys are deleted).
type KeyStore interface {
	KeySecretHash(ctx context.Context, keySID string) (string, error)
}

// Principal is who a request authenticated as.
type Principal struct {
	AccountSID string
	KeySID     string // set when an API key was used
}

// Authenticator checks HTTP Basic credentials: the account SID with its auth
// token, or an API key SID with its secret.
type Authenticator struct {
	Creds Credentials
	Keys  KeyStore
	// Throttle, when set, refuses sources that failed too often (the API
	// answers them 429 before any check).
	Throttle *Throttle
}

// Check returns the principal for a username and password.
func (a *Authenticator) Check(ctx context.Context, user, pass string) (Principal, bool, error) {
	switch {
	case user == a.Creds.AccountSID:
		if subtle.ConstantTimeCompare([]byte(pass), []byte(a.Creds.AuthToken)) == 1 {
			return Principal{AccountSID: a.Creds.AccountSID}, true, nil
		}
		return Principal{}, false, nil
	case a.Keys != nil && sid.Valid(user, KeyPrefix):
		want, err := a.Keys.KeySecretHash(ctx, user)
		if err != nil || want == "" {
			return Principal{}, false, err
		}
		if subtle.ConstantTimeCompare([]byte(HashSecret(pass)), []byte(want)) == 1 {
			return Principal{AccountSID: a.Creds.AccountSID, KeySID: user}, true, nil
		}
	}
	return Principal{}, false, nil
}

// Package config holds the appliance's settings: where its data lives and the
// addresses it listens on. Defaults keep everything on loopback; listening
// beyond it is a deliberate setting.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
)

// Defaults.
const (
	DefaultDataDir  = "./data"
	DefaultHTTPAddr = "127.0.0.1:8080"
	DefaultSIPAddr  = "127.0.0.1:5060"
	// DefaultRetentionDays is how long ended executions are kept (Studio: 30).
	DefaultRetentionDays = 30
)

// ErrInvalid is wrapped by every configuration error.
var ErrInvalid = errors.New("invalid configuration")

// Config is what `switchboard serve` runs with.
type Config struct {
	DataDir  string // SQLite store and recordings
	HTTPAddr string // REST API, webhooks and the editor
	SIPAddr  string // SIP listener (UDP and TCP)
	// AccountSID and AuthToken, when set, are the API credentials; else
	// they are generated on first start and kept in the data directory.
	AccountSID string
	AuthToken  string
	// RetentionDays is how long ended executions and their steps are kept;
	// 0 keeps them forever.
	RetentionDays int
	// EventSinks are the http(s) URLs that receive Studio's execution and
	// step events (Event Streams webhook sinks), in batches.
	EventSinks []string
	// PublicURL is the appliance's base URL as webhook callers see it
	// (scheme and host, behind a reverse proxy); X-Twilio-Signature is
	// checked against it. Empty: the address the request came to.
	PublicURL string
}

// Default returns the loopback-only defaults.
func Default() Config {
	return Config{DataDir: DefaultDataDir, HTTPAddr: DefaultHTTPAddr, SIPAddr: DefaultSIPAddr, RetentionDays: DefaultRetentionDays}
}

// Validate checks that the directory is set and the addresses are host:port.
func (c Config) Validate() error {
	if c.DataDir == "" {
		return fmt.Errorf("%w: --data must name a directory", ErrInvalid)
	}
	if c.RetentionDays < 0 {
		return fmt.Errorf("%w: --retention-days %d: must be 0 (keep forever) or more", ErrInvalid, c.RetentionDays)
	}
	for _, a := range []struct{ flag, addr string }{{"--http", c.HTTPAddr}, {"--sip", c.SIPAddr}} {
		host, port, err := net.SplitHostPort(a.addr)
		if err != nil {
			return fmt.Errorf("%w: %s %q: %v", ErrInvalid, a.flag, a.addr, err)
		}
		if host != "" && net.ParseIP(host) == nil && host != "localhost" {
			return fmt.Errorf("%w: %s %q: host must be an IP address or localhost", ErrInvalid, a.flag, a.addr)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
			return fmt.Errorf("%w: %s %q: port must be 0-65535", ErrInvalid, a.flag, a.addr)
		}
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return fmt.Errorf("%w: --public-url %q: must be an http or https URL with no path", ErrInvalid, c.PublicURL)
		}
	}
	for i, sink := range c.EventSinks {
		u, err := url.Parse(sink)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			// The URL itself is not repeated: it may carry credentials.
			return fmt.Errorf("%w: --event-sink #%d: must be an absolute http or https URL", ErrInvalid, i+1)
		}
	}
	return nil
}

// Loopback reports whether addr listens on loopback only.
func Loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

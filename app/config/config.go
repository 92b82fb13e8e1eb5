// Package config holds the appliance's settings: where its data lives and the
// addresses it listens on. Defaults keep everything on loopback; listening
// beyond it is a deliberate setting.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults.
const (
	DefaultDataDir  = "./data"
	DefaultHTTPAddr = "127.0.0.1:8080"
	DefaultSIPAddr  = "127.0.0.1:5060"
	// DefaultRetentionDays is how long ended executions are kept (Studio: 30).
	DefaultRetentionDays = 30
	// DefaultRetentionBasis: retention counts from when an execution
	// started, as Studio's user guide says today.
	DefaultRetentionBasis = "started"
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
	// RetentionBasis is what RetentionDays counts from: "started" (the
	// default; also when empty) or "ended".
	RetentionBasis string
	// EventSinks are the http(s) URLs that receive Studio's execution and
	// step events (Event Streams webhook sinks), in batches.
	EventSinks []string
	// PublicURL is the appliance's base URL as webhook callers see it
	// (scheme and host, behind a reverse proxy); X-Twilio-Signature is
	// checked against it. Empty: the address the request came to.
	PublicURL string

	// Voice.
	// SIPAllow lists the networks whose INVITEs are taken without a trunk
	// or registration (CIDRs); empty means loopback only.
	SIPAllow []string
	// SIPAdvertise is the address put in SDP, Contact and Via (NAT); empty
	// is the --sip host.
	SIPAdvertise string
	// SIPTLSListen, when set, adds a SIP-over-TLS listener for trunks or
	// PBXs that open their own TLS connection to us ("host:port", ":port"
	// or "port"; no host means loopback, SIPTLSAddr). TLS trunks do not
	// need it. SIPTLSCert and SIPTLSKey are its PEM certificate and key.
	SIPTLSListen string
	SIPTLSCert   string
	SIPTLSKey    string
	// RTPPorts is the even port range for media, "min-max".
	RTPPorts string
	// MaxCalls caps concurrent calls (503 above it).
	MaxCalls int
	// Trunks are SIP trunks to register with, as
	// sip://user:password@registrar:port?name=NAME&expires=SECONDS&domain=D.
	Trunks []string
	// SIPUsers may REGISTER (desk phones, softphones) as "user:password";
	// a registered endpoint's calls are taken.
	SIPUsers []string

	// Backups.
	// BackupEvery is how often the store is backed up while the appliance
	// runs (0: never).
	BackupEvery time.Duration
	// BackupKeep is how many scheduled backups are kept (the oldest go);
	// 0 is DefaultBackupKeep.
	BackupKeep int
	// BackupDir is where scheduled backups go; empty is DataDir/backups.
	BackupDir string
}

// Default voice settings.
const (
	DefaultRTPPorts = "16384-32766"
	DefaultMaxCalls = 1000
)

// Default backup schedule: one a day, a week of them kept.
const (
	DefaultBackupEvery = 24 * time.Hour
	DefaultBackupKeep  = 7
)

// RTPRange parses RTPPorts.
func (c Config) RTPRange() (min, max int, err error) {
	spec := c.RTPPorts
	if spec == "" {
		spec = DefaultRTPPorts
	}
	lo, hi, ok := strings.Cut(spec, "-")
	if !ok {
		return 0, 0, fmt.Errorf("%w: --rtp-ports %q: want min-max, e.g. 16384-32766", ErrInvalid, c.RTPPorts)
	}
	min, err1 := strconv.Atoi(strings.TrimSpace(lo))
	max, err2 := strconv.Atoi(strings.TrimSpace(hi))
	if err1 != nil || err2 != nil || min < 1024 || max > 65534 || max-min < 2 {
		return 0, 0, fmt.Errorf("%w: --rtp-ports %q: want two ports between 1024 and 65534, at least 2 apart", ErrInvalid, c.RTPPorts)
	}
	return min, max, nil
}

// TrunkSpec is a parsed --trunk.
type TrunkSpec struct {
	Name, Registrar, Username, Password, Domain string
	Expires                                     time.Duration
}

// ParseTrunk reads a --trunk value. Errors never repeat the value: it
// holds a password.
func ParseTrunk(s string) (TrunkSpec, error) {
	if strings.HasPrefix(s, "sip:") && !strings.HasPrefix(s, "sip://") {
		s = "sip://" + strings.TrimPrefix(s, "sip:")
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "sip" || u.Host == "" || u.User == nil {
		return TrunkSpec{}, fmt.Errorf("%w: a --trunk must look like sip://user:password@registrar:5060?name=NAME", ErrInvalid)
	}
	t := TrunkSpec{Registrar: u.Host, Username: u.User.Username(), Domain: u.Query().Get("domain"), Name: u.Query().Get("name")}
	t.Password, _ = u.User.Password()
	if u.Port() == "" {
		t.Registrar += ":5060"
	}
	if t.Name == "" {
		t.Name = u.Hostname()
	}
	if e := u.Query().Get("expires"); e != "" {
		n, err := strconv.Atoi(e)
		if err != nil || n < 30 || n > 86400 {
			return TrunkSpec{}, fmt.Errorf("%w: --trunk %s: expires must be 30-86400 seconds", ErrInvalid, t.Name)
		}
		t.Expires = time.Duration(n) * time.Second
	}
	return t, nil
}

// Default returns the loopback-only defaults.
func Default() Config {
	return Config{DataDir: DefaultDataDir, HTTPAddr: DefaultHTTPAddr, SIPAddr: DefaultSIPAddr, RetentionDays: DefaultRetentionDays,
		RetentionBasis: DefaultRetentionBasis, RTPPorts: DefaultRTPPorts, MaxCalls: DefaultMaxCalls,
		BackupEvery: DefaultBackupEvery, BackupKeep: DefaultBackupKeep}
}

// Validate checks that the directory is set and the addresses are host:port.
func (c Config) Validate() error {
	if c.DataDir == "" {
		return fmt.Errorf("%w: --data must name a directory", ErrInvalid)
	}
	if c.RetentionDays < 0 {
		return fmt.Errorf("%w: --retention-days %d: must be 0 (keep forever) or more", ErrInvalid, c.RetentionDays)
	}
	if b := c.RetentionBasis; b != "" && b != "started" && b != "ended" {
		return fmt.Errorf("%w: --retention-basis %q: must be started or ended", ErrInvalid, b)
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
	if err := c.validateSIPTLS(); err != nil {
		return err
	}
	if c.RTPPorts != "" {
		if _, _, err := c.RTPRange(); err != nil {
			return err
		}
	}
	for _, cidr := range c.SIPAllow {
		if _, err := netip.ParsePrefix(cidr); err != nil {
			return fmt.Errorf("%w: --sip-allow %q: want a CIDR such as 192.168.1.0/24", ErrInvalid, cidr)
		}
	}
	if c.BackupEvery < 0 || (c.BackupEvery > 0 && c.BackupEvery < time.Minute) {
		return fmt.Errorf("%w: --backup-every %s: must be 0 (no scheduled backups) or at least 1m", ErrInvalid, c.BackupEvery)
	}
	if c.BackupKeep < 0 {
		return fmt.Errorf("%w: --backup-keep %d: keep at least 1 (0: the default, %d)", ErrInvalid, c.BackupKeep, DefaultBackupKeep)
	}
	if c.MaxCalls < 0 {
		return fmt.Errorf("%w: --max-calls must be 0 (no cap) or more", ErrInvalid)
	}
	for i, u := range c.SIPUsers {
		name, pass, ok := strings.Cut(u, ":")
		if !ok || name == "" || len(pass) < 8 {
			return fmt.Errorf("%w: --sip-user #%d: want user:password with a password of 8 or more characters", ErrInvalid, i+1)
		}
	}
	for i, tr := range c.Trunks {
		if _, err := ParseTrunk(tr); err != nil {
			return fmt.Errorf("trunk #%d: %w", i+1, err)
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

// SIPTLSAddr is the TLS listener's host:port: SIPTLSListen with loopback
// when it names no host; "" when there is no TLS listener.
func (c Config) SIPTLSAddr() string {
	v := strings.TrimSpace(c.SIPTLSListen)
	if v == "" {
		return ""
	}
	if !strings.Contains(v, ":") {
		v = ":" + v
	}
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		return v // Validate reports it
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

func (c Config) validateSIPTLS() error {
	addr := c.SIPTLSAddr()
	if addr == "" {
		if c.SIPTLSCert != "" || c.SIPTLSKey != "" {
			return fmt.Errorf("%w: --sip-tls-cert and --sip-tls-key need --sip-tls-listen", ErrInvalid)
		}
		return nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil || net.ParseIP(host) == nil && host != "localhost" {
		return fmt.Errorf("%w: --sip-tls-listen %q: want host:port with an IP address, or a port", ErrInvalid, c.SIPTLSListen)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("%w: --sip-tls-listen %q: port must be 1-65535", ErrInvalid, c.SIPTLSListen)
	}
	if c.SIPTLSCert == "" || c.SIPTLSKey == "" {
		return fmt.Errorf("%w: --sip-tls-listen needs --sip-tls-cert and --sip-tls-key (PEM files)", ErrInvalid)
	}
	return nil
}

package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/spf13/pflag"
)

// The config file. Administrators of a service that starts at boot expect
// one file under /etc (on Windows, under %ProgramData%), with comments, that a package upgrade leaves alone;
// TOML is that file's usual form for a single binary (no indentation
// rules, typed values, line-numbered errors from a maintained parser).
//
// Every flag of `serve` and the global flags has a key: the flag's name
// with - written _ (--max-calls is max_calls). Precedence, highest first:
// the command line, the environment variables some flags read
// (SWITCHBOARD_AUTH_TOKEN ...), the file, the built-in defaults. Secrets
// can come from files named by *_file keys (auth_token_file, trunk_file,
// sip_user_file), so they stay out of the unit file and the process list.

// DefaultFile is where the packaged appliance reads its configuration:
// /etc/switchboard/switchboard.toml, and on Windows
// %ProgramData%\Switchboard\switchboard.toml (defaultfile_*.go).
var DefaultFile = defaultFile(os.Getenv)

// File is the config file's keys. A nil field is a key the file does not
// set.
type File struct {
	Data           *string   `toml:"data"`
	HTTP           *string   `toml:"http"`
	SIP            *string   `toml:"sip"`
	Headless       *bool     `toml:"headless"`
	LogLevel       *string   `toml:"log_level"`
	RetentionDays  *int      `toml:"retention_days"`
	RetentionBasis *string   `toml:"retention_basis"`
	EventSink      *[]string `toml:"event_sink"`
	SIPAllow       *[]string `toml:"sip_allow"`
	SIPAdvertise   *string   `toml:"sip_advertise"`
	SIPTLSListen   *string   `toml:"sip_tls_listen"`
	SIPTLSCert     *string   `toml:"sip_tls_cert"`
	SIPTLSKey      *string   `toml:"sip_tls_key"`
	RTPPorts       *string   `toml:"rtp_ports"`
	MaxCalls       *int      `toml:"max_calls"`
	BackupEvery    *string   `toml:"backup_every"`
	BackupKeep     *int      `toml:"backup_keep"`
	BackupDir      *string   `toml:"backup_dir"`
	Trunk          *[]string `toml:"trunk"`
	TrunkFile      *string   `toml:"trunk_file"`
	SIPUser        *[]string `toml:"sip_user"`
	SIPUserFile    *string   `toml:"sip_user_file"`
	PublicURL      *string   `toml:"public_url"`
	AccountSID     *string   `toml:"account_sid"`
	AuthToken      *string   `toml:"auth_token"`
	AuthTokenFile  *string   `toml:"auth_token_file"`
}

// FlagEnv names the environment variable a flag falls back to; a set
// variable outranks the file.
var FlagEnv = map[string]string{
	"log-level":   "SWITCHBOARD_LOG_LEVEL",
	"trunk":       "SWITCHBOARD_TRUNKS",
	"sip-user":    "SWITCHBOARD_SIP_USERS",
	"account-sid": "SWITCHBOARD_ACCOUNT_SID",
	"auth-token":  "SWITCHBOARD_AUTH_TOKEN",
}

// Keys lists the file's keys in order.
func Keys() []string {
	var out []string
	t := reflect.TypeOf(File{})
	for i := range t.NumField() {
		out = append(out, t.Field(i).Tag.Get("toml"))
	}
	return out
}

// FileError is one problem in a config file, at a line (and column when
// known; 0 when not).
type FileError struct {
	Path      string
	Line, Col int
	Msg       string
}

func (e FileError) Error() string {
	switch {
	case e.Line > 0 && e.Col > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.Path, e.Line, e.Col, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// FileErrors is every problem found in one file.
type FileErrors []FileError

func (es FileErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Loaded is a parsed config file.
type Loaded struct {
	Path string
	File File
	text []byte
}

// LoadFile reads and parses a config file strictly: an unknown key or a
// value of the wrong type is an error at its line.
func LoadFile(path string) (*Loaded, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	return ParseFile(path, b)
}

// ParseFile is LoadFile for bytes already read.
func ParseFile(path string, b []byte) (*Loaded, error) {
	l := &Loaded{Path: path, text: b}
	dec := toml.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	err := dec.Decode(&l.File)
	if err == nil {
		return l, nil
	}
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		var es FileErrors
		for _, e := range strict.Errors {
			row, col := e.Position()
			key := strings.Join(e.Key(), ".")
			hint := suggest(key)
			if hint == "" {
				hint = " (keys sit at the top level, no [sections], named after serve's flags: --max-calls is max_calls)"
			}
			es = append(es, FileError{Path: path, Line: row, Col: col, Msg: fmt.Sprintf("unknown key %q%s", key, hint)})
		}
		return nil, es
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, col := de.Position()
		msg := strings.TrimPrefix(de.Error(), "toml: ")
		if k := strings.Join(de.Key(), "."); k != "" {
			if strings.Contains(msg, "cannot decode") && fieldName(k) != "" {
				msg = typeWord(k)
			}
			msg = fmt.Sprintf("%s: %s", k, msg)
		}
		return nil, FileErrors{{Path: path, Line: row, Col: col, Msg: msg}}
	}
	// Type mismatches come without a position: find the key's line.
	msg := err.Error()
	line := 0
	for _, k := range Keys() {
		if strings.Contains(msg, "."+fieldName(k)+" ") || strings.Contains(msg, "File."+fieldName(k)) {
			line = keyLine(b, k)
			msg = fmt.Sprintf("%s: wrong type of value (%s)", k, typeWord(k))
			break
		}
	}
	return nil, FileErrors{{Path: path, Line: line, Msg: msg}}
}

func fieldName(key string) string {
	t := reflect.TypeOf(File{})
	for i := range t.NumField() {
		if t.Field(i).Tag.Get("toml") == key {
			return t.Field(i).Name
		}
	}
	return ""
}

func typeWord(key string) string {
	f, _ := reflect.TypeOf(File{}).FieldByName(fieldName(key))
	switch f.Type.Elem().Kind() {
	case reflect.Bool:
		return "want true or false"
	case reflect.Int:
		return "want a whole number"
	case reflect.Slice:
		return `want a list of strings, ["a", "b"]`
	}
	return `want a string in quotes`
}

// suggest names the closest key, for a typo.
func suggest(key string) string {
	best, bestD := "", 4
	for _, k := range Keys() {
		if d := editDistance(key, k); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// keyLine is the line where key is set (0 if not found).
func keyLine(text []byte, key string) int {
	re := regexp.MustCompile(`^\s*"?` + regexp.QuoteMeta(key) + `"?\s*=`)
	for i, line := range strings.Split(string(text), "\n") {
		if re.MatchString(line) {
			return i + 1
		}
	}
	return 0
}

// Line is the line where key is set in the file (0 if it is not).
func (l *Loaded) Line(key string) int { return keyLine(l.text, key) }

// Apply sets the flags in fs that the file sets, unless the command line
// set them or their environment variable is set (getenv). Flags fs does
// not have are left alone (the file serves every command). Secrets named
// by *_file keys are read from their files. Problems come back with the
// line of their key.
func (l *Loaded) Apply(fs *pflag.FlagSet, getenv func(string) string) error {
	var es FileErrors
	v := reflect.ValueOf(l.File)
	t := v.Type()
	for i := range t.NumField() {
		fv := v.Field(i)
		if fv.IsNil() {
			continue
		}
		key := t.Field(i).Tag.Get("toml")
		flagName := strings.ReplaceAll(strings.TrimSuffix(key, "_file"), "_", "-")
		fromFile := strings.HasSuffix(key, "_file")
		f := fs.Lookup(flagName)
		if f == nil || f.Changed {
			continue
		}
		if env := FlagEnv[flagName]; env != "" && getenv(env) != "" {
			continue
		}
		fail := func(format string, args ...any) {
			es = append(es, FileError{Path: l.Path, Line: keyLine(l.text, key), Msg: key + ": " + fmt.Sprintf(format, args...)})
		}
		var vals []string
		switch x := fv.Elem().Interface().(type) {
		case string:
			if fromFile {
				b, err := readSecretFile(x)
				if err != nil {
					fail("%v", err)
					continue
				}
				if f.Value.Type() == "stringArray" {
					vals = secretLines(b)
				} else {
					vals = []string{strings.TrimRight(b, "\r\n")}
				}
			} else {
				vals = []string{x}
			}
		case bool:
			vals = []string{strconv.FormatBool(x)}
		case int:
			vals = []string{strconv.Itoa(x)}
		case []string:
			vals = x
		}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			if err := sv.Replace(vals); err != nil {
				fail("%v", err)
			}
			continue
		}
		if len(vals) != 1 {
			fail("want one value")
			continue
		}
		if err := f.Value.Set(vals[0]); err != nil {
			fail("%v", err)
		}
	}
	if len(es) > 0 {
		return es
	}
	return nil
}

// readSecretFile reads a secret's file; the secret itself never appears
// in an error.
func readSecretFile(path string) (string, error) {
	if path == "" {
		return "", errors.New("names no file")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("cannot read the secret's file: %w", err)
	}
	return string(b), nil
}

// secretLines is one entry per non-blank line, # comments skipped.
func secretLines(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}

// FlagKey is the file key of a flag ("--max-calls" → "max_calls").
func FlagKey(flag string) string {
	return strings.ReplaceAll(strings.TrimPrefix(flag, "--"), "-", "_")
}

// flagInMsg finds the first --flag named in an error message.
var flagInMsg = regexp.MustCompile(`--([a-z][a-z-]*)`)

// Locate gives a validation error (which names a --flag) the line of the
// file key that set it, when the file set it.
func (l *Loaded) Locate(err error) error {
	m := flagInMsg.FindStringSubmatch(err.Error())
	if m == nil {
		return FileErrors{{Path: l.Path, Msg: err.Error()}}
	}
	key := FlagKey(m[1])
	line := keyLine(l.text, key)
	if line == 0 {
		line = keyLine(l.text, key+"_file")
	}
	msg := strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": ")
	return FileErrors{{Path: l.Path, Line: line, Msg: strings.Replace(msg, m[0], key, 1)}}
}

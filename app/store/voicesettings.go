package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Trunk is a stored SIP trunk (see migrations/0010_voice_settings.sql).
type Trunk struct {
	SID          string
	FriendlyName string
	Registrar    string
	Username     string
	Password     string
	Domain       string
	Expires      int // seconds asked for
	Transport    string
	// TLS (Transport "tls"): the CA file ("" = system roots) and the
	// explicit opt-out of certificate checking.
	TLSCAFile             string
	TLSInsecureSkipVerify bool

	Numbers     []string
	Source      string // "api" or "flag"
	DateCreated time.Time
	DateUpdated time.Time

	// SRTP is the trunk's SRTP policy: "off", "optional" or "required"
	// (sip.Trunk.SRTP; migrations/0015_trunk_srtp.sql).
	SRTP string
}

// Trunk sources.
const (
	SourceAPI  = "api"
	SourceFlag = "flag"
)

const trunkCols = `sid, friendly_name, registrar, username, password, domain, expires, transport, tls_ca_file, tls_insecure_skip_verify, numbers, source, date_created, date_updated, srtp`

type scanner interface{ Scan(...any) error }

func parseStamps(dc, du string, c, u *time.Time) error {
	var err error
	if *c, err = time.Parse(time.RFC3339Nano, dc); err != nil {
		return err
	}
	*u, err = time.Parse(time.RFC3339Nano, du)
	return err
}

func scanTrunk(row scanner) (*Trunk, error) {
	var t Trunk
	var nums, dc, du string
	if err := row.Scan(&t.SID, &t.FriendlyName, &t.Registrar, &t.Username, &t.Password, &t.Domain, &t.Expires, &t.Transport,
		&t.TLSCAFile, &t.TLSInsecureSkipVerify, &nums, &t.Source, &dc, &du, &t.SRTP); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(nums), &t.Numbers); err != nil {
		return nil, fmt.Errorf("trunk %s numbers: %w", t.SID, err)
	}
	return &t, parseStamps(dc, du, &t.DateCreated, &t.DateUpdated)
}

func numbersJSON(n []string) string {
	if n == nil {
		n = []string{}
	}
	b, _ := json.Marshal(n)
	return string(b)
}

// CreateTrunk stores a trunk; a name already taken fails with ErrDuplicate.
func (s *Store) CreateTrunk(ctx context.Context, t Trunk) (*Trunk, error) {
	now := stamp(s.now())
	if t.Source == "" {
		t.Source = SourceAPI
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO sip_trunks (`+trunkCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.SID, t.FriendlyName, t.Registrar, t.Username, t.Password, t.Domain, t.Expires, t.Transport, t.TLSCAFile, t.TLSInsecureSkipVerify, numbersJSON(t.Numbers), t.Source, now, now,
		srtpPolicy(t.SRTP))
	if err != nil {
		if isUniqueViolation(err) {
			return nil, fmt.Errorf("trunk %s: %w", t.FriendlyName, ErrDuplicate)
		}
		return nil, fmt.Errorf("store: create trunk: %w", err)
	}
	return s.TrunkBySID(ctx, t.SID)
}

// UpdateTrunk replaces a trunk's settings (its source stays).
func (s *Store) UpdateTrunk(ctx context.Context, t Trunk) (*Trunk, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE sip_trunks SET friendly_name = ?, registrar = ?, username = ?, password = ?, domain = ?,
		expires = ?, transport = ?, tls_ca_file = ?, tls_insecure_skip_verify = ?, numbers = ?, date_updated = ?, srtp = ? WHERE sid = ?`,
		t.FriendlyName, t.Registrar, t.Username, t.Password, t.Domain, t.Expires, t.Transport, t.TLSCAFile, t.TLSInsecureSkipVerify, numbersJSON(t.Numbers), stamp(s.now()),
		srtpPolicy(t.SRTP), t.SID)
	if err != nil {
		if isUniqueViolation(err) {
			return nil, fmt.Errorf("trunk %s: %w", t.FriendlyName, ErrDuplicate)
		}
		return nil, fmt.Errorf("store: update trunk: %w", err)
	}
	if c, _ := res.RowsAffected(); c == 0 {
		return nil, fmt.Errorf("trunk %s: %w", t.SID, ErrNotFound)
	}
	return s.TrunkBySID(ctx, t.SID)
}

// SeedTrunk writes a trunk given by a flag: the stored trunk of that name
// takes the flag's settings (a new one is made with sid), so starting twice
// with the same flags changes nothing.
func (s *Store) SeedTrunk(ctx context.Context, sid string, t Trunk) (*Trunk, error) {
	var cur string
	err := s.db.QueryRowContext(ctx, `SELECT sid FROM sip_trunks WHERE friendly_name = ?`, t.FriendlyName).Scan(&cur)
	if errors.Is(err, sql.ErrNoRows) {
		t.SID, t.Source = sid, SourceFlag
		return s.CreateTrunk(ctx, t)
	}
	if err != nil {
		return nil, fmt.Errorf("store: seed trunk: %w", err)
	}
	old, err := s.TrunkBySID(ctx, cur)
	if err != nil {
		return nil, err
	}
	t.SID, t.Numbers, t.SRTP = cur, old.Numbers, old.SRTP // numbers and SRTP are not a flag's: kept
	if old.Registrar == t.Registrar && old.Username == t.Username && old.Password == t.Password && old.Domain == t.Domain &&
		old.Expires == t.Expires && old.Transport == t.Transport && old.Source == SourceFlag &&
		old.TLSCAFile == t.TLSCAFile && old.TLSInsecureSkipVerify == t.TLSInsecureSkipVerify {
		return old, nil
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE sip_trunks SET source = ? WHERE sid = ?`, SourceFlag, cur); err != nil {
		return nil, fmt.Errorf("store: seed trunk: %w", err)
	}
	return s.UpdateTrunk(ctx, t)
}

// TrunkBySID returns a trunk.
func (s *Store) TrunkBySID(ctx context.Context, sid string) (*Trunk, error) {
	t, err := scanTrunk(s.db.QueryRowContext(ctx, `SELECT `+trunkCols+` FROM sip_trunks WHERE sid = ?`, sid))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("trunk %s: %w", sid, ErrNotFound)
	}
	return t, err
}

// Trunks lists every trunk, oldest first (there are few).
func (s *Store) Trunks(ctx context.Context) ([]Trunk, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+trunkCols+` FROM sip_trunks ORDER BY date_created, sid`)
	return collect(rows, err, "list trunks", scanTrunk)
}

// DeleteTrunk removes a trunk.
func (s *Store) DeleteTrunk(ctx context.Context, sid string) error {
	return s.deleteBySID(ctx, "sip_trunks", "trunk", sid)
}

func (s *Store) deleteBySID(ctx context.Context, table, what, sid string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM `+table+` WHERE sid = ?`, sid)
	if err != nil {
		return fmt.Errorf("store: delete %s: %w", what, err)
	}
	if c, _ := res.RowsAffected(); c == 0 {
		return fmt.Errorf("%s %s: %w", what, sid, ErrNotFound)
	}
	return nil
}

// CredentialList is a named set of desk-phone credentials.
type CredentialList struct {
	SID          string
	FriendlyName string
	Source       string
	DateCreated  time.Time
	DateUpdated  time.Time
}

const credListCols = `sid, friendly_name, source, date_created, date_updated`

func scanCredList(row scanner) (*CredentialList, error) {
	var l CredentialList
	var dc, du string
	if err := row.Scan(&l.SID, &l.FriendlyName, &l.Source, &dc, &du); err != nil {
		return nil, err
	}
	return &l, parseStamps(dc, du, &l.DateCreated, &l.DateUpdated)
}

// CreateCredentialList stores a credential list.
func (s *Store) CreateCredentialList(ctx context.Context, l CredentialList) (*CredentialList, error) {
	now := stamp(s.now())
	if l.Source == "" {
		l.Source = SourceAPI
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO sip_credential_lists (`+credListCols+`) VALUES (?, ?, ?, ?, ?)`,
		l.SID, l.FriendlyName, l.Source, now, now); err != nil {
		return nil, fmt.Errorf("store: create credential list: %w", err)
	}
	return s.CredentialList(ctx, l.SID)
}

// RenameCredentialList sets a list's friendly name.
func (s *Store) RenameCredentialList(ctx context.Context, sid, name string) (*CredentialList, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE sip_credential_lists SET friendly_name = ?, date_updated = ? WHERE sid = ?`, name, stamp(s.now()), sid)
	if err != nil {
		return nil, fmt.Errorf("store: update credential list: %w", err)
	}
	if c, _ := res.RowsAffected(); c == 0 {
		return nil, fmt.Errorf("credential list %s: %w", sid, ErrNotFound)
	}
	return s.CredentialList(ctx, sid)
}

// CredentialList returns a credential list.
func (s *Store) CredentialList(ctx context.Context, sid string) (*CredentialList, error) {
	l, err := scanCredList(s.db.QueryRowContext(ctx, `SELECT `+credListCols+` FROM sip_credential_lists WHERE sid = ?`, sid))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("credential list %s: %w", sid, ErrNotFound)
	}
	return l, err
}

// CredentialLists lists every credential list, oldest first.
func (s *Store) CredentialLists(ctx context.Context) ([]CredentialList, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+credListCols+` FROM sip_credential_lists ORDER BY date_created, sid`)
	if err != nil {
		return nil, fmt.Errorf("store: list credential lists: %w", err)
	}
	defer rows.Close()
	var out []CredentialList
	for rows.Next() {
		l, err := scanCredList(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *l)
	}
	return out, rows.Err()
}

// DeleteCredentialList removes a list and its credentials.
func (s *Store) DeleteCredentialList(ctx context.Context, sid string) error {
	return s.deleteBySID(ctx, "sip_credential_lists", "credential list", sid)
}

// Credential is a desk phone's username and digest HA1.
type Credential struct {
	SID         string
	ListSID     string
	Username    string
	HA1         string
	Realm       string
	DateCreated time.Time
	DateUpdated time.Time
}

const credCols = `sid, credential_list_sid, username, ha1, realm, date_created, date_updated`

func scanCred(row scanner) (*Credential, error) {
	var c Credential
	var dc, du string
	if err := row.Scan(&c.SID, &c.ListSID, &c.Username, &c.HA1, &c.Realm, &dc, &du); err != nil {
		return nil, err
	}
	return &c, parseStamps(dc, du, &c.DateCreated, &c.DateUpdated)
}

// CreateCredential stores a credential; a username already used (in any
// list) fails with ErrDuplicate.
func (s *Store) CreateCredential(ctx context.Context, c Credential) (*Credential, error) {
	now := stamp(s.now())
	_, err := s.db.ExecContext(ctx, `INSERT INTO sip_credentials (`+credCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		c.SID, c.ListSID, c.Username, c.HA1, c.Realm, now, now)
	if err != nil {
		if isUniqueViolation(err) {
			return nil, fmt.Errorf("credential %s: %w", c.Username, ErrDuplicate)
		}
		return nil, fmt.Errorf("store: create credential: %w", err)
	}
	return s.Credential(ctx, c.ListSID, c.SID)
}

// SetCredentialHA1 replaces a credential's HA1 (a new password).
func (s *Store) SetCredentialHA1(ctx context.Context, listSID, sid, ha1, realm string) (*Credential, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE sip_credentials SET ha1 = ?, realm = ?, date_updated = ? WHERE sid = ? AND credential_list_sid = ?`,
		ha1, realm, stamp(s.now()), sid, listSID)
	if err != nil {
		return nil, fmt.Errorf("store: update credential: %w", err)
	}
	if c, _ := res.RowsAffected(); c == 0 {
		return nil, fmt.Errorf("credential %s: %w", sid, ErrNotFound)
	}
	return s.Credential(ctx, listSID, sid)
}

// Credential returns a credential of a list.
func (s *Store) Credential(ctx context.Context, listSID, sid string) (*Credential, error) {
	c, err := scanCred(s.db.QueryRowContext(ctx, `SELECT `+credCols+` FROM sip_credentials WHERE sid = ? AND credential_list_sid = ?`, sid, listSID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("credential %s: %w", sid, ErrNotFound)
	}
	return c, err
}

// CredentialByUsername returns the credential of a username (any list).
func (s *Store) CredentialByUsername(ctx context.Context, username string) (*Credential, error) {
	c, err := scanCred(s.db.QueryRowContext(ctx, `SELECT `+credCols+` FROM sip_credentials WHERE username = ?`, username))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("credential %s: %w", username, ErrNotFound)
	}
	return c, err
}

// Credentials lists a list's credentials ("" lists every credential),
// oldest first.
func (s *Store) Credentials(ctx context.Context, listSID string) ([]Credential, error) {
	q, args := `SELECT `+credCols+` FROM sip_credentials ORDER BY date_created, sid`, []any{}
	if listSID != "" {
		q, args = `SELECT `+credCols+` FROM sip_credentials WHERE credential_list_sid = ? ORDER BY date_created, sid`, []any{listSID}
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list credentials: %w", err)
	}
	defer rows.Close()
	var out []Credential
	for rows.Next() {
		c, err := scanCred(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, rows.Err()
}

// DeleteCredential removes a credential of a list.
func (s *Store) DeleteCredential(ctx context.Context, listSID, sid string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM sip_credentials WHERE sid = ? AND credential_list_sid = ?`, sid, listSID)
	if err != nil {
		return fmt.Errorf("store: delete credential: %w", err)
	}
	if c, _ := res.RowsAffected(); c == 0 {
		return fmt.Errorf("credential %s: %w", sid, ErrNotFound)
	}
	return nil
}

// FlagCredentialList returns the list that holds credentials seeded from
// --sip-user, made on first use.
func (s *Store) FlagCredentialList(ctx context.Context, sid, name string) (*CredentialList, error) {
	l, err := scanCredList(s.db.QueryRowContext(ctx, `SELECT `+credListCols+` FROM sip_credential_lists WHERE source = ? ORDER BY date_created LIMIT 1`, SourceFlag))
	if err == nil {
		return l, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	return s.CreateCredentialList(ctx, CredentialList{SID: sid, FriendlyName: name, Source: SourceFlag})
}

// srtpPolicy stores "" as "off".
func srtpPolicy(p string) string {
	if p == "" {
		return "off"
	}
	return p
}

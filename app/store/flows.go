package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Flow statuses.
const (
	StatusDraft     = "draft"
	StatusPublished = "published"
)

// Problem is a validation finding kept with a revision ({message, property_path}).
type Problem struct {
	Message      string `json:"message"`
	PropertyPath string `json:"property_path"`
}

// Flow is a flow at its latest revision.
type Flow struct {
	SID           string
	FriendlyName  string
	Status        string
	Revision      int
	Definition    json.RawMessage
	CommitMessage string
	Valid         bool
	Errors        []Problem
	Warnings      []Problem
	DateCreated   time.Time
	DateUpdated   time.Time
}

// NewFlow is what CreateFlow stores as revision 1.
type NewFlow struct {
	SID           string
	FriendlyName  string
	Status        string
	Definition    json.RawMessage
	CommitMessage string
	Valid         bool
	Errors        []Problem
	Warnings      []Problem
}

// encode checks the status and encodes the validation findings.
func (in NewFlow) encode() (errs, warns []byte, err error) {
	if in.Status != StatusDraft && in.Status != StatusPublished {
		return nil, nil, fmt.Errorf("%w: status %q (draft or published)", ErrInvalid, in.Status)
	}
	if errs, err = json.Marshal(nonNil(in.Errors)); err != nil {
		return nil, nil, err
	}
	warns, err = json.Marshal(nonNil(in.Warnings))
	return errs, warns, err
}

// CreateFlow stores a new flow and its first revision in one transaction.
func (s *Store) CreateFlow(ctx context.Context, in NewFlow) (*Flow, error) {
	if in.SID == "" || in.FriendlyName == "" || len(in.Definition) == 0 {
		return nil, fmt.Errorf("%w: sid, friendly name and definition are required", ErrInvalid)
	}
	errs, warns, err := in.encode()
	if err != nil {
		return nil, err
	}
	now := s.now()
	ts := stamp(now)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO flows (sid, friendly_name, status, revision, date_created, date_updated)
		VALUES (?, ?, ?, 1, ?, ?)`, in.SID, in.FriendlyName, in.Status, ts, ts); err != nil {
		return nil, fmt.Errorf("store: create flow: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO flow_revisions
		(flow_sid, revision, status, definition, commit_message, valid, errors, warnings, date_created)
		VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?)`,
		in.SID, in.Status, string(in.Definition), in.CommitMessage, in.Valid, string(errs), string(warns), ts); err != nil {
		return nil, fmt.Errorf("store: create flow revision: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: create flow: %w", err)
	}
	return s.Flow(ctx, in.SID)
}

// Flow returns a flow at its latest revision.
func (s *Store) Flow(ctx context.Context, sid string) (*Flow, error) {
	row := s.db.QueryRowContext(ctx, `SELECT f.sid, f.friendly_name, f.status, f.revision, r.definition,
		r.commit_message, r.valid, r.errors, r.warnings, f.date_created, f.date_updated
		FROM flows f JOIN flow_revisions r ON r.flow_sid = f.sid AND r.revision = f.revision
		WHERE f.sid = ?`, sid)
	var (
		f                        Flow
		def, errs, warns, dc, du string
	)
	err := row.Scan(&f.SID, &f.FriendlyName, &f.Status, &f.Revision, &def, &f.CommitMessage, &f.Valid, &errs, &warns, &dc, &du)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("flow %s: %w", sid, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: flow %s: %w", sid, err)
	}
	f.Definition = json.RawMessage(def)
	if err := json.Unmarshal([]byte(errs), &f.Errors); err != nil {
		return nil, fmt.Errorf("store: flow %s errors: %w", sid, err)
	}
	if err := json.Unmarshal([]byte(warns), &f.Warnings); err != nil {
		return nil, fmt.Errorf("store: flow %s warnings: %w", sid, err)
	}
	if f.DateCreated, err = time.Parse(time.RFC3339Nano, dc); err != nil {
		return nil, err
	}
	if f.DateUpdated, err = time.Parse(time.RFC3339Nano, du); err != nil {
		return nil, err
	}
	return &f, nil
}

// CountFlows returns the number of flows.
func (s *Store) CountFlows(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM flows").Scan(&n)
	return n, err
}

func nonNil(p []Problem) []Problem {
	if p == nil {
		return []Problem{}
	}
	return p
}

// Revision is one immutable revision of a flow.
type Revision struct {
	FlowSID       string
	Revision      int
	Status        string
	Definition    json.RawMessage
	CommitMessage string
	Valid         bool
	Errors        []Problem
	DateCreated   time.Time
}

// Revision selectors besides a number.
const (
	LatestPublished = "LatestPublished"
	LatestRevision  = "LatestRevision"
)

// AddRevision stores a new revision of a flow and makes it the flow's
// latest; the flow's status follows the revision's.
func (s *Store) AddRevision(ctx context.Context, sid string, in NewFlow) (*Flow, error) {
	errs, warns, err := in.encode()
	if err != nil {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var rev int
	var def, name string
	if err := tx.QueryRowContext(ctx, `SELECT f.revision, r.definition, f.friendly_name FROM flows f
		JOIN flow_revisions r ON r.flow_sid = f.sid AND r.revision = f.revision WHERE f.sid = ?`, sid).Scan(&rev, &def, &name); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("flow %s: %w", sid, ErrNotFound)
		}
		return nil, err
	}
	if len(in.Definition) == 0 {
		in.Definition = json.RawMessage(def)
	}
	if in.FriendlyName == "" {
		in.FriendlyName = name
	}
	rev++
	now := stamp(s.now())
	if _, err := tx.ExecContext(ctx, `INSERT INTO flow_revisions
		(flow_sid, revision, status, definition, commit_message, valid, errors, warnings, date_created)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, sid, rev, in.Status, string(in.Definition), in.CommitMessage, in.Valid,
		string(errs), string(warns), now); err != nil {
		return nil, fmt.Errorf("store: add revision: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE flows SET revision = ?, status = ?, friendly_name = ?, date_updated = ? WHERE sid = ?`,
		rev, in.Status, in.FriendlyName, now, sid); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.Flow(ctx, sid)
}

// FlowRevision returns a revision by number, or by LatestPublished /
// LatestRevision.
func (s *Store) FlowRevision(ctx context.Context, sid, which string) (*Revision, error) {
	q := `SELECT revision, status, definition, commit_message, valid, errors, date_created FROM flow_revisions WHERE flow_sid = ?`
	args := []any{sid}
	switch which {
	case LatestRevision, "":
		q += ` ORDER BY revision DESC LIMIT 1`
	case LatestPublished:
		q += ` AND status = 'published' ORDER BY revision DESC LIMIT 1`
	default:
		n, err := strconv.Atoi(which)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%w: revision %q (a number, LatestPublished or LatestRevision)", ErrInvalid, which)
		}
		q += ` AND revision = ?`
		args = append(args, n)
	}
	var r Revision
	var def, errs, dc string
	err := s.queryRow(ctx, q, args...).Scan(&r.Revision, &r.Status, &def, &r.CommitMessage, &r.Valid, &errs, &dc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("flow %s revision %s: %w", sid, which, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	r.FlowSID, r.Definition = sid, json.RawMessage(def)
	if err := json.Unmarshal([]byte(errs), &r.Errors); err != nil {
		return nil, fmt.Errorf("store: flow %s revision %d errors: %w", sid, r.Revision, err)
	}
	if r.DateCreated, err = time.Parse(time.RFC3339Nano, dc); err != nil {
		return nil, err
	}
	return &r, nil
}

// SetTestUsers replaces a flow's test users.
func (s *Store) SetTestUsers(ctx context.Context, sid string, users []string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM test_users WHERE flow_sid = ?`, sid); err != nil {
		return err
	}
	for _, u := range users {
		if _, err := tx.ExecContext(ctx, `INSERT INTO test_users (flow_sid, address) VALUES (?, ?) ON CONFLICT DO NOTHING`, sid, u); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// IsTestUser reports whether address is a test user of the flow.
func (s *Store) IsTestUser(ctx context.Context, sid, address string) (bool, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM test_users WHERE flow_sid = ? AND address = ?`, sid, address).Scan(&n)
	return n > 0, err
}

// FlowNames returns the friendly names of the given flows (absent ones are
// left out), without reading their definitions.
func (s *Store) FlowNames(ctx context.Context, sids []string) (map[string]string, error) {
	out := make(map[string]string, len(sids))
	if len(sids) == 0 {
		return out, nil
	}
	args := make([]any, len(sids))
	for i, sid := range sids {
		args[i] = sid
	}
	q := `SELECT sid, friendly_name FROM flows WHERE sid IN (?` + strings.Repeat(", ?", len(sids)-1) + `)`
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: flow names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sid, name string
		if err := rows.Scan(&sid, &name); err != nil {
			return nil, fmt.Errorf("store: flow names: %w", err)
		}
		out[sid] = name
	}
	return out, rows.Err()
}

// FlowExists says whether a flow exists, without reading its definition: a
// REST create needs no more before the runner picks the revision.
func (s *Store) FlowExists(ctx context.Context, sid string) (bool, error) {
	var n int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM flows WHERE sid = ?`, sid).Scan(&n); err != nil {
		return false, fmt.Errorf("store: flow %s: %w", sid, err)
	}
	return n > 0, nil
}

// RevisionNumber returns the number of the flow's LatestPublished or
// LatestRevision revision without reading it: numbered revisions never
// change, so a caller that has the numbered revision compiled already (the
// runner) needs no more.
func (s *Store) RevisionNumber(ctx context.Context, sid, which string) (int, error) {
	q := `SELECT revision FROM flow_revisions WHERE flow_sid = ? ORDER BY revision DESC LIMIT 1`
	switch which {
	case LatestRevision, "":
	case LatestPublished:
		q = `SELECT revision FROM flow_revisions WHERE flow_sid = ? AND status = 'published' ORDER BY revision DESC LIMIT 1`
	default:
		return 0, fmt.Errorf("%w: revision %q (LatestPublished or LatestRevision)", ErrInvalid, which)
	}
	var n int
	err := s.queryRow(ctx, q, sid).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("flow %s revision %s: %w", sid, which, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("store: flow %s revision %s: %w", sid, which, err)
	}
	return n, nil
}

// ActiveOrStartRevision is ActiveExecution and StartRevision in one read,
// for an inbound message: the contact's active execution of the flow
// (session key = contact), or else the revision the contact would start
// (ErrNotFound when there is none).
func (s *Store) ActiveOrStartRevision(ctx context.Context, flowSID, contact string) (active string, revision int, err error) {
	var sid sql.NullString
	var rev sql.NullInt64
	err = s.queryRow(ctx, `SELECT
		(SELECT sid FROM executions WHERE flow_sid = ?1 AND session_key = ?2 AND status = 'active'),
		(SELECT revision FROM flow_revisions WHERE flow_sid = ?1
			AND (status = 'published' OR EXISTS (SELECT 1 FROM test_users WHERE flow_sid = ?1 AND address = ?2))
			ORDER BY revision DESC LIMIT 1)`, flowSID, contact).Scan(&sid, &rev)
	switch {
	case err != nil:
		return "", 0, fmt.Errorf("store: flow %s active execution or start revision: %w", flowSID, err)
	case sid.Valid:
		return sid.String, 0, nil
	case !rev.Valid:
		return "", 0, fmt.Errorf("flow %s: no revision for %s: %w", flowSID, contact, ErrNotFound)
	}
	return "", int(rev.Int64), nil
}

// StartRevision returns the number of the revision a contact starts: the
// latest revision for the flow's test users, the latest published one for
// everyone else (ErrNotFound when there is none), in one read.
func (s *Store) StartRevision(ctx context.Context, sid, contact string) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT revision FROM flow_revisions WHERE flow_sid = ?1
		AND (status = 'published' OR EXISTS (SELECT 1 FROM test_users WHERE flow_sid = ?1 AND address = ?2))
		ORDER BY revision DESC LIMIT 1`, sid, contact).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("flow %s: no revision for %s: %w", sid, contact, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("store: flow %s start revision: %w", sid, err)
	}
	return n, nil
}

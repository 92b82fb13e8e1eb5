package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/switchboard/switchboard/engine"
)

// Cursor marks where a page ended: the sort key and SID of its last row.
// Lists are newest first, so the next page holds the rows before it.
type Cursor struct {
	Key string `json:"k"`
	SID string `json:"s"`
}

// Page asks for at most Limit rows after a cursor, or (no cursor) after
// skipping Offset rows.
type Page struct {
	Limit  int
	Offset int
	After  *Cursor
}

// limit is the LIMIT/OFFSET clause and its arguments.
func (p Page) limit(args []any) (string, []any) {
	if p.After == nil && p.Offset > 0 {
		return ` LIMIT ? OFFSET ?`, append(args, p.Limit, p.Offset)
	}
	return ` LIMIT ?`, append(args, p.Limit)
}

// keyset adds the "before the cursor" condition and the newest-first order
// for a table sorted by (keyCol, sid), and the limit.
func keyset(q string, args []any, keyCol, sidCol string, p Page) (string, []any) {
	if p.After != nil {
		q += ` AND (` + keyCol + ` < ? OR (` + keyCol + ` = ? AND ` + sidCol + ` < ?))`
		args = append(args, p.After.Key, p.After.Key, p.After.SID)
	}
	q += ` ORDER BY ` + keyCol + ` DESC, ` + sidCol + ` DESC`
	lim, args := p.limit(args)
	return q + lim, args
}

// Flows lists flows newest first, at their latest revision, without
// definitions.
func (s *Store) Flows(ctx context.Context, p Page) ([]Flow, error) {
	q, args := keyset(`SELECT f.sid, f.friendly_name, f.status, f.revision, r.commit_message, r.valid, r.errors, r.warnings,
		f.date_created, f.date_updated FROM flows f JOIN flow_revisions r ON r.flow_sid = f.sid AND r.revision = f.revision
		WHERE 1 = 1`, nil, "f.date_created", "f.sid", p)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list flows: %w", err)
	}
	defer rows.Close()
	var out []Flow
	for rows.Next() {
		var f Flow
		var errs, warns, dc, du string
		if err := rows.Scan(&f.SID, &f.FriendlyName, &f.Status, &f.Revision, &f.CommitMessage, &f.Valid, &errs, &warns, &dc, &du); err != nil {
			return nil, err
		}
		if err := decodeRow(&f.Errors, errs, &f.Warnings, warns, &f.DateCreated, dc, &f.DateUpdated, du); err != nil {
			return nil, fmt.Errorf("store: flow %s: %w", f.SID, err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// FlowCursor is the cursor after a flow in Flows order.
func FlowCursor(f Flow) *Cursor { return &Cursor{Key: stamp(f.DateCreated), SID: f.SID} }

// Revisions lists a flow's revisions, newest first, without definitions.
func (s *Store) Revisions(ctx context.Context, flowSID string, p Page) ([]Revision, error) {
	q := `SELECT revision, status, commit_message, valid, errors, date_created FROM flow_revisions WHERE flow_sid = ?`
	args := []any{flowSID}
	if p.After != nil {
		n, _ := strconv.Atoi(p.After.Key)
		q += ` AND revision < ?`
		args = append(args, n)
	}
	lim, args := p.limit(args)
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY revision DESC`+lim, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list revisions: %w", err)
	}
	defer rows.Close()
	var out []Revision
	for rows.Next() {
		r := Revision{FlowSID: flowSID}
		var errs, dc string
		if err := rows.Scan(&r.Revision, &r.Status, &r.CommitMessage, &r.Valid, &errs, &dc); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(errs), &r.Errors); err != nil {
			return nil, err
		}
		if r.DateCreated, err = time.Parse(time.RFC3339Nano, dc); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RevisionCursor is the cursor after a revision in Revisions order.
func RevisionCursor(r Revision) *Cursor { return &Cursor{Key: strconv.Itoa(r.Revision)} }

// UpdateFlowName renames a flow without a new revision.
func (s *Store) UpdateFlowName(ctx context.Context, sid, name string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE flows SET friendly_name = ?, date_updated = ? WHERE sid = ?`, name, stamp(s.now()), sid)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("flow %s: %w", sid, ErrNotFound)
	}
	return nil
}

// DeleteFlow deletes a flow with its revisions, test users, executions and
// their steps.
func (s *Store) DeleteFlow(ctx context.Context, sid string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM executions WHERE flow_sid = ?`, sid); err != nil {
		return fmt.Errorf("store: delete flow %s: %w", sid, err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM flows WHERE sid = ?`, sid)
	if err != nil {
		return fmt.Errorf("store: delete flow %s: %w", sid, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("flow %s: %w", sid, ErrNotFound)
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.executionsDeleted(sid)
	return nil
}

// TestUsers returns a flow's test users.
func (s *Store) TestUsers(ctx context.Context, sid string) ([]string, error) {
	out, err := s.strings(ctx, `SELECT address FROM test_users WHERE flow_sid = ? ORDER BY address`, sid)
	if out == nil {
		out = []string{}
	}
	return out, err
}

// ExecutionFilter narrows an execution listing.
type ExecutionFilter struct {
	From, To time.Time // date_created in [From, To); zero: unbounded
	Status   string    // "active", "ended" or ""
	Contact  string    // contact_channel_address; "" for any
}

// ExecutionRow is an execution as listings show it (no context).
type ExecutionRow struct {
	SID          string
	FlowSID      string
	FlowRevision int
	Contact      string
	Status       string
	InitiatedBy  string
	DateCreated  time.Time
	DateUpdated  time.Time
}

// Executions lists a flow's executions, newest first.
func (s *Store) Executions(ctx context.Context, flowSID string, f ExecutionFilter, p Page) ([]ExecutionRow, error) {
	q := `SELECT sid, flow_revision, contact, status, initiated_by, date_created, date_updated FROM executions WHERE flow_sid = ?`
	args := []any{flowSID}
	if !f.From.IsZero() {
		q, args = q+` AND date_created >= ?`, append(args, stamp(f.From))
	}
	if !f.To.IsZero() {
		q, args = q+` AND date_created < ?`, append(args, stamp(f.To))
	}
	if f.Status != "" {
		q, args = q+` AND status = ?`, append(args, f.Status)
	}
	if f.Contact != "" {
		q, args = q+` AND contact = ?`, append(args, f.Contact)
	}
	q, args = keyset(q, args, "date_created", "sid", p)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list executions: %w", err)
	}
	defer rows.Close()
	var out []ExecutionRow
	for rows.Next() {
		e := ExecutionRow{FlowSID: flowSID}
		var dc, du string
		if err := rows.Scan(&e.SID, &e.FlowRevision, &e.Contact, &e.Status, &e.InitiatedBy, &dc, &du); err != nil {
			return nil, err
		}
		if err := decodeRow(nil, "", nil, "", &e.DateCreated, dc, &e.DateUpdated, du); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// ExecutionCursor is the cursor after an execution in Executions order.
func ExecutionCursor(e ExecutionRow) *Cursor { return &Cursor{Key: stamp(e.DateCreated), SID: e.SID} }

// DeleteExecution deletes an execution of a flow with its steps.
func (s *Store) DeleteExecution(ctx context.Context, flowSID, sid string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM executions WHERE sid = ? AND flow_sid = ?`, sid, flowSID)
	if err != nil {
		return fmt.Errorf("store: delete execution %s: %w", sid, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("execution %s: %w", sid, ErrNotFound)
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.executionsDeleted(flowSID, sid)
	return nil
}

// StepRow is a persisted step with its order in the execution.
type StepRow struct {
	engine.Step
	Seq int
}

// StepsPage lists an execution's steps newest first.
func (s *Store) StepsPage(ctx context.Context, executionSID string, p Page) ([]StepRow, error) {
	q := `SELECT sid, seq, flow_sid, parent_step_sid, name, transitioned_from, transitioned_to, type, context, events, date_created
		FROM steps WHERE execution_sid = ?`
	args := []any{executionSID}
	if p.After != nil {
		n, _ := strconv.Atoi(p.After.Key)
		q, args = q+` AND seq < ?`, append(args, n)
	}
	lim, args := p.limit(args)
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY seq DESC`+lim, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list steps: %w", err)
	}
	defer rows.Close()
	var out []StepRow
	for rows.Next() {
		st, err := scanStep(rows, executionSID)
		if err != nil {
			return nil, err
		}
		out = append(out, *st)
	}
	return out, rows.Err()
}

// StepCursor is the cursor after a step in StepsPage order.
func StepCursor(st StepRow) *Cursor { return &Cursor{Key: strconv.Itoa(st.Seq), SID: st.SID} }

// Step returns one step of an execution.
func (s *Store) Step(ctx context.Context, executionSID, stepSID string) (*StepRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT sid, seq, flow_sid, parent_step_sid, name, transitioned_from, transitioned_to, type,
		context, events, date_created FROM steps WHERE execution_sid = ? AND sid = ?`, executionSID, stepSID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("step %s: %w", stepSID, ErrNotFound)
	}
	return scanStep(rows, executionSID)
}

func scanStep(rows *sql.Rows, executionSID string) (*StepRow, error) {
	var st StepRow
	var sctx, evs, dc string
	if err := rows.Scan(&st.SID, &st.Seq, &st.FlowSID, &st.ParentStepSID, &st.Name, &st.TransitionedFrom, &st.TransitionedTo,
		&st.Type, &sctx, &evs, &dc); err != nil {
		return nil, err
	}
	st.ExecutionSID = executionSID
	if err := json.Unmarshal([]byte(sctx), &st.Context); err != nil {
		return nil, fmt.Errorf("store: step %s context: %w", st.SID, err)
	}
	if err := json.Unmarshal([]byte(evs), &st.Events); err != nil {
		return nil, fmt.Errorf("store: step %s events: %w", st.SID, err)
	}
	var err error
	if st.CreatedAt, err = time.Parse(time.RFC3339Nano, dc); err != nil {
		return nil, err
	}
	return &st, nil
}

// decodeRow decodes the JSON problem lists and timestamps of a row; nil
// targets are skipped.
func decodeRow(errs *[]Problem, errsJSON string, warns *[]Problem, warnsJSON string, dc *time.Time, dcs string, du *time.Time, dus string) error {
	if errs != nil {
		if err := json.Unmarshal([]byte(errsJSON), errs); err != nil {
			return err
		}
	}
	if warns != nil {
		if err := json.Unmarshal([]byte(warnsJSON), warns); err != nil {
			return err
		}
	}
	var err error
	if *dc, err = time.Parse(time.RFC3339Nano, dcs); err != nil {
		return err
	}
	if *du, err = time.Parse(time.RFC3339Nano, dus); err != nil {
		return err
	}
	return nil
}

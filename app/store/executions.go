package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard/switchboard/engine"
)

// ErrActiveExecution is returned when a contact already has an active
// execution of the flow (Studio answers 409 / 20409).
var ErrActiveExecution = errors.New("an execution is already active for this contact")

// ActiveConflict carries the SID of the execution that is already active.
type ActiveConflict struct{ ExecutionSID string }

func (e *ActiveConflict) Error() string {
	return fmt.Sprintf("execution %s is already active for this contact", e.ExecutionSID)
}

func (e *ActiveConflict) Unwrap() error { return ErrActiveExecution }

// SprintRecord is everything one sprint changes, written in one transaction.
type SprintRecord struct {
	Execution  *engine.Execution
	SessionKey string // set when the execution is new
	New        bool
	Steps      []engine.Step
	// Messages are the sprint's outbound SMS: queued in the same
	// transaction, so a message is sent if and only if its sprint committed.
	Messages []Message
	// Calls are the sprint's outbound calls (make-outgoing-call): queued in
	// the same transaction, so a call is placed if and only if its sprint
	// committed.
	Calls []OutboundCall
	// Events are the sprint's Event Streams rows (none without sinks).
	Events []EventRow
	// Receipt, when set, is the webhook that caused the sprint: its key is
	// stored with the sprint, and a key stored before fails the sprint with
	// ErrDuplicateReceipt.
	Receipt *Receipt

	enc *encodedSprint
}

// encodedSprint is a sprint's rows as insert arguments, JSON columns
// encoded, made before the write transaction so that the one writer spends
// its time writing.
type encodedSprint struct {
	state  string
	exec   []any // the execution row's insert (New) or update arguments
	steps  []any // the steps' insert arguments, stepCols per step
	msgs   []any // the queued messages' insert arguments, messageColN per message
	events []any // the event rows' insert arguments, eventCols per row
}

// Encode prepares the record's rows: JSON columns, timestamps, the insert
// and update arguments. Callers that batch sprints into one transaction
// call it on their own goroutine first; SaveSprint and SaveSprints call it
// for records that were not encoded. The record must not change after.
func (rec *SprintRecord) Encode() error {
	if rec.enc != nil {
		return nil
	}
	x := rec.Execution
	state, err := appendExecutionJSON(make([]byte, 0, 1024), x)
	if err != nil {
		return fmt.Errorf("store: execution %s: %w", x.SID, err)
	}
	enc := &encodedSprint{state: string(state), steps: make([]any, 0, stepCols*len(rec.Steps))}
	if rec.New {
		enc.exec = []any{x.SID, x.FlowSID, x.FlowRevision, x.Contact, x.Channel, rec.SessionKey, x.Status, x.InitiatedBy,
			enc.state, stamp(x.CreatedAt), stamp(x.UpdatedAt), waitDue(x)}
	} else {
		enc.exec = []any{x.Status, enc.state, stamp(x.UpdatedAt), waitDue(x), x.SID}
	}
	// One buffer holds the steps' contexts and events; each column is a
	// string over its part.
	var buf []byte
	seq := x.Steps - len(rec.Steps) // the engine numbers steps 1, 2, ...
	for i := range rec.Steps {
		st := &rec.Steps[i]
		seq++
		buf = buf[:0]
		if buf, err = appendJSONMap(buf, orEmpty(st.Context)); err != nil {
			return fmt.Errorf("store: step %s context: %w", st.SID, err)
		}
		sctx := string(buf)
		evs := "[]"
		if len(st.Events) > 0 {
			evs = string(appendJSONEvents(buf[:0], st.Events))
		}
		enc.steps = append(enc.steps, st.SID, x.SID, seq, st.FlowSID, st.ParentStepSID, st.Name, st.TransitionedFrom,
			st.TransitionedTo, st.Type, sctx, evs, stamp(st.CreatedAt))
	}
	if len(rec.Messages) > 0 {
		enc.msgs = make([]any, 0, messageColN*len(rec.Messages))
		for j := range rec.Messages {
			m := rec.Messages[j]
			m.ExecutionSID, m.FlowSID = x.SID, x.FlowSID
			if m.DateCreated.IsZero() {
				m.DateCreated = x.UpdatedAt
			}
			enc.msgs = appendMessageArgs(enc.msgs, &m, time.Now)
		}
	}
	if len(rec.Events) > 0 {
		enc.events = appendEventArgs(make([]any, 0, eventCols*len(rec.Events)), rec.Events)
	}
	rec.enc = enc
	return nil
}

// ts is how times are stored: UTC with a fixed nine-digit fraction, so that
// comparing and sorting the strings (timers, retention, paging) is
// comparing the times. Parsing accepts any RFC 3339 time.
const ts = "2006-01-02T15:04:05.000000000Z07:00"

// stamp formats a time for storage.
func stamp(t time.Time) string {
	var buf [len("2006-01-02T15:04:05.000000000Z")]byte
	return string(appendStamp(buf[:0], t))
}

// appendStamp appends t as stamp formats it, without going through
// time.Format's layout parsing (a sprint stamps every row it writes).
func appendStamp(b []byte, t time.Time) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	if y < 0 || y > 9999 {
		return t.AppendFormat(b, ts)
	}
	h, mi, sec := t.Clock()
	b = appendDigits(b, y, 4)
	b = append(b, '-')
	b = appendDigits(b, int(mo), 2)
	b = append(b, '-')
	b = appendDigits(b, d, 2)
	b = append(b, 'T')
	b = appendDigits(b, h, 2)
	b = append(b, ':')
	b = appendDigits(b, mi, 2)
	b = append(b, ':')
	b = appendDigits(b, sec, 2)
	b = append(b, '.')
	b = appendDigits(b, t.Nanosecond(), 9)
	return append(b, 'Z')
}

// appendDigits appends v (≥ 0) in exactly n decimal digits.
func appendDigits(b []byte, v, n int) []byte {
	for i := n - 1; i >= 0; i-- {
		b = append(b, 0)
	}
	for i := len(b) - 1; n > 0; i, n = i-1, n-1 {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return b
}

// SaveSprint writes an execution (with its timer, wait_due), its new steps
// and its queued messages in one transaction. A new execution whose contact already has an
// active one fails with *ActiveConflict and writes nothing.
func (s *Store) SaveSprint(ctx context.Context, rec SprintRecord) error {
	tx, release, err := s.sprintTx(ctx)
	if err != nil {
		return err
	}
	defer release()
	defer tx.Rollback()
	if err := s.saveSprints(ctx, tx, []SprintRecord{rec}, true); err != nil {
		return err
	}
	return tx.Commit()
}

// SaveSprints writes several sprints in one transaction (group commit). It
// is all or nothing; callers fall back to one by one on a conflict.
func (s *Store) SaveSprints(ctx context.Context, recs []SprintRecord) error {
	tx, release, err := s.sprintTx(ctx)
	if err != nil {
		return err
	}
	defer release()
	defer tx.Rollback()
	if err := s.saveSprints(ctx, tx, recs, true); err != nil {
		return err
	}
	return tx.Commit()
}

// maxRowsPerInsert bounds the rows of one multi-row insert of steps or
// messages (SQLite allows 32,766 arguments per statement; 64 rows of 23
// columns is well inside, and bounds the prepared statements kept to 64
// shapes per table).
const maxRowsPerInsert = 64

// saveSprints writes sprints inside tx, all or nothing (SaveSprint,
// SaveSprints, a SprintTx's one-by-one savepoints): the first sprint
// refused, or any failure, is its error, and the caller rolls tx (or the
// savepoint) back. whole is as for writeSprints.
func (s *Store) saveSprints(ctx context.Context, tx *sql.Tx, recs []SprintRecord, whole bool) error {
	errs, err := s.writeSprints(ctx, tx, recs, whole)
	if err != nil {
		return err
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// insertStepsAndMessages writes the gathered steps and queued messages of a
// batch of sprints in multi-row inserts.
//
// whole says that a failure here loses the whole transaction anyway (the
// caller rolls it back and writes the sprints it keeps again): the inserts
// are then INSERT OR ROLLBACK, which need no statement journal. A
// multi-row insert that may fail half way with the transaction going on
// must copy every page it changes into one first; on the one writer's time
// for nothing, since none of these inserts fails but on a bug or a broken
// disk. Inside a savepoint (a sprint written alone after such a failure)
// they fail alone.
func (s *Store) insertStepsAndMessages(ctx context.Context, tx *sql.Tx, steps, msgs []any, whole bool) error {
	stepsQ, msgsQ := insertSteps, insertMessages
	if whole {
		stepsQ, msgsQ = insertStepsOrRollback, insertMessagesOrRollback
	}
	if err := s.insertRows(ctx, tx, steps, stepCols, stepsQ); err != nil {
		return fmt.Errorf("store: insert steps: %w", err)
	}
	if err := s.insertRows(ctx, tx, msgs, messageColN, msgsQ); err != nil {
		return fmt.Errorf("store: insert message: %w", err)
	}
	return nil
}

// writeSprints writes sprints into tx without a savepoint of their own
// (SprintTx.Add): a savepoint copies every page the sprints change into
// its journal first, and the one writer's time is what a busy system
// waits for. A sprint can be refused only by its first writes: its
// receipt (a duplicate) or its execution row (an active-execution
// conflict, an execution that is gone); those write nothing, and a
// receipt the sprint wrote before its execution was refused is deleted
// again, so a refused sprint leaves nothing behind and gets its error in
// errs. The others are written: each execution row (and receipt, calls
// and event rows) by itself, since a conflict there must name its sprint,
// then the steps and queued messages of them all in shared multi-row
// inserts (a statement's fixed cost, binding, opening a cursor per B-tree,
// resetting, was a large part of a small sprint's write, and group commit
// gathers many small sprints). Any other failure is fatal: tx may then
// hold part of a sprint, and the caller must roll it back. whole says the
// caller loses the whole transaction on a fatal failure (not a savepoint):
// the steps and messages may then roll it back themselves
// (insertStepsAndMessages).
func (s *Store) writeSprints(ctx context.Context, tx *sql.Tx, recs []SprintRecord, whole bool) (errs []error, fatal error) {
	errs = make([]error, len(recs))
	var steps, msgs []any
	for i := range recs {
		rec := &recs[i]
		if err := rec.Encode(); err != nil {
			errs[i] = err
			continue
		}
		if rec.Receipt != nil {
			if err := s.insertReceipt(ctx, tx, rec.Receipt); err != nil {
				if errors.Is(err, ErrDuplicateReceipt) {
					errs[i] = err // the insert was refused whole
					continue
				}
				return errs, err
			}
		}
		refused, err := s.writeExecution(ctx, tx, rec)
		if err != nil && !refused {
			return errs, err
		}
		if refused {
			if rec.Receipt != nil {
				if _, derr := s.txExec(ctx, tx, `DELETE FROM webhook_receipts WHERE key = ?`, rec.Receipt.Key); derr != nil {
					return errs, fmt.Errorf("store: undo receipt %s: %w", rec.Receipt.Key, derr)
				}
			}
			errs[i] = err
			continue
		}
		if err := s.writeSprintRows(ctx, tx, rec); err != nil {
			return errs, err
		}
		steps = append(steps, rec.enc.steps...)
		msgs = append(msgs, rec.enc.msgs...)
	}
	return errs, s.insertStepsAndMessages(ctx, tx, steps, msgs, whole)
}

// insertRows inserts rows given as one flat list of arguments, cols per
// row, at most maxRowsPerInsert rows per statement; query(n) is the insert
// of n rows.
func (s *Store) insertRows(ctx context.Context, tx *sql.Tx, args []any, cols int, query func(n int) string) error {
	for len(args) > 0 {
		n := min(maxRowsPerInsert, len(args)/cols)
		if _, err := s.txExec(ctx, tx, query(n), args[:n*cols]...); err != nil {
			return err
		}
		args = args[n*cols:]
	}
	return nil
}

// insertMessages is the multi-row insert of n outbound messages.
func insertMessages(n int) string {
	return `INSERT INTO sms_messages (` + messageCols + `) VALUES ` + strings.Repeat(messageRow+",", n-1) + messageRow
}

// insertMessagesOrRollback is insertMessages that rolls the transaction
// back when it fails (see insertStepsAndMessages).
func insertMessagesOrRollback(n int) string {
	return "INSERT OR ROLLBACK" + insertMessages(n)[len("INSERT"):]
}

// insertStepsOrRollback is insertSteps that rolls the transaction back
// when it fails.
func insertStepsOrRollback(n int) string {
	return "INSERT OR ROLLBACK" + insertSteps(n)[len("INSERT"):]
}

// writeExecution inserts or updates a sprint's execution row. An insert
// that conflicts with the contact's active execution and an update of an
// execution that is gone change nothing: refused says so, and the
// transaction may go on without the sprint.
func (s *Store) writeExecution(ctx context.Context, tx *sql.Tx, rec *SprintRecord) (refused bool, err error) {
	x := rec.Execution
	if rec.New {
		_, err := s.txExec(ctx, tx, `INSERT INTO executions
			(sid, flow_sid, flow_revision, contact, channel, session_key, status, initiated_by, state, date_created, date_updated, wait_due)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, rec.enc.exec...)
		if err != nil {
			if isUniqueViolation(err) {
				var active string
				_ = tx.QueryRowContext(ctx, `SELECT sid FROM executions WHERE flow_sid = ? AND session_key = ? AND status = 'active'`,
					x.FlowSID, rec.SessionKey).Scan(&active)
				return true, &ActiveConflict{ExecutionSID: active}
			}
			return false, fmt.Errorf("store: insert execution: %w", err)
		}
		return false, nil
	}
	res, err := s.txExec(ctx, tx, `UPDATE executions SET status = ?, state = ?, date_updated = ?, wait_due = ? WHERE sid = ?`,
		rec.enc.exec...)
	if err != nil {
		return false, fmt.Errorf("store: update execution: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return true, fmt.Errorf("execution %s: %w", x.SID, ErrNotFound)
	}
	return false, nil
}

// writeSprintRows inserts a sprint's outbound calls and event rows.
func (s *Store) writeSprintRows(ctx context.Context, tx *sql.Tx, rec *SprintRecord) error {
	x := rec.Execution
	for i := range rec.Calls {
		c := rec.Calls[i]
		c.ExecutionSID, c.FlowSID = x.SID, x.FlowSID
		if c.DateCreated.IsZero() {
			c.DateCreated = x.UpdatedAt
		}
		if err := s.insertCall(ctx, tx, &c); err != nil {
			return fmt.Errorf("store: insert outbound call: %w", err)
		}
	}
	// Event rows: multi-row inserts of bounded size.
	for i := 0; i < len(rec.Events); i += maxEventRowsPerInsert {
		n := min(maxEventRowsPerInsert, len(rec.Events)-i)
		if _, err := s.txExec(ctx, tx, insertEvents(n), rec.enc.events[i*eventCols:(i+n)*eventCols]...); err != nil {
			return fmt.Errorf("store: insert events: %w", err)
		}
	}
	return nil
}

// waitDue is an execution's timer as stored in its row (wait_due): the
// deadline of its wait, or NULL when it does not wait with one. The timer
// lives in the row the sprint writes anyway, so it costs no extra row.
func waitDue(x *engine.Execution) any {
	if x.Active() && x.Wait != nil && !x.Wait.Deadline.IsZero() {
		return stamp(x.Wait.Deadline)
	}
	return nil
}

// Execution loads an execution's engine state.
func (s *Store) Execution(ctx context.Context, sid string) (*engine.Execution, error) {
	var state string
	err := s.queryRow(ctx, `SELECT state FROM executions WHERE sid = ?`, sid).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("execution %s: %w", sid, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: execution %s: %w", sid, err)
	}
	x := new(engine.Execution)
	if err := json.Unmarshal([]byte(state), x); err != nil {
		return nil, fmt.Errorf("store: execution %s state: %w", sid, err)
	}
	return x, nil
}

// ActiveExecution returns the SID of the active execution for a flow and
// session key, or "".
func (s *Store) ActiveExecution(ctx context.Context, flowSID, sessionKey string) (string, error) {
	var sid string
	err := s.queryRow(ctx, `SELECT sid FROM executions WHERE flow_sid = ? AND session_key = ? AND status = 'active'`,
		flowSID, sessionKey).Scan(&sid)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return sid, err
}

// Steps lists an execution's steps in order.
func (s *Store) Steps(ctx context.Context, executionSID string) ([]engine.Step, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT sid, flow_sid, parent_step_sid, name, transitioned_from, transitioned_to, type,
		context, events, date_created FROM steps WHERE execution_sid = ? ORDER BY seq`, executionSID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []engine.Step
	for rows.Next() {
		var st engine.Step
		var sctx, evs, dc string
		if err := rows.Scan(&st.SID, &st.FlowSID, &st.ParentStepSID, &st.Name, &st.TransitionedFrom, &st.TransitionedTo,
			&st.Type, &sctx, &evs, &dc); err != nil {
			return nil, err
		}
		st.ExecutionSID = executionSID
		if err := json.Unmarshal([]byte(sctx), &st.Context); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(evs), &st.Events); err != nil {
			return nil, err
		}
		if st.CreatedAt, err = time.Parse(ts, dc); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// DueTimers returns up to limit executions whose wait deadline has passed.
func (s *Store) DueTimers(ctx context.Context, now time.Time, limit int) ([]string, error) {
	return s.strings(ctx, `SELECT sid FROM executions WHERE wait_due IS NOT NULL AND wait_due <= ? ORDER BY wait_due LIMIT ?`,
		stamp(now), limit)
}

// strings runs a query of one text column and returns its values.
func (s *Store) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	return scanStrings(s.db.QueryContext(ctx, query, args...))
}

func scanStrings(rows *sql.Rows, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// DeleteTimer drops an execution's timer (one that no longer matches a wait).
func (s *Store) DeleteTimer(ctx context.Context, executionSID string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE executions SET wait_due = NULL WHERE sid = ?`, executionSID)
	return err
}

// CountExecutions counts executions by status ("" for all).
func (s *Store) CountExecutions(ctx context.Context, status string) (int, error) {
	q, args := `SELECT COUNT(*) FROM executions`, []any{}
	if status != "" {
		q, args = q+` WHERE status = ?`, append(args, status)
	}
	var n int
	err := s.db.QueryRowContext(ctx, q, args...).Scan(&n)
	return n, err
}

func isUniqueViolation(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "duplicate key")
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func orEmptyEvents(e []engine.Event) []engine.Event {
	if e == nil {
		return []engine.Event{}
	}
	return e
}

// stepCols is the number of columns insertSteps writes per step.
const stepCols = 12

// insertSteps is the multi-row insert for n steps (prepared once per n).
func insertSteps(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO steps (sid, execution_sid, seq, flow_sid, parent_step_sid, name, transitioned_from,
		transitioned_to, type, context, events, date_created) VALUES `)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
	}
	return b.String()
}

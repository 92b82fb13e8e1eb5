package runner

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// rawRowsPerCommit is the raw anchor's transaction size.
const rawRowsPerCommit = 100

// rawStepInserts writes n step-shaped rows (the steps table's columns, a
// context and events of typical size) into a fresh SQLite database in dir
// at the store's durability (WAL, synchronous=FULL), rawRowsPerCommit rows
// per commit, one prepared single-row INSERT per row, and returns rows/s.
// It is the anchor the persisted path is measured against: what the disk
// and SQLite allow.
func rawStepInserts(b *testing.B, dir string, n int) float64 {
	ctx := context.Background()
	db := openRawSteps(b, dir)
	defer db.Close()
	start := time.Now()
	for i := 0; i < n; {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		ins, err := tx.PrepareContext(ctx, rawInsertStep)
		if err != nil {
			b.Fatal(err)
		}
		for j := 0; j < rawRowsPerCommit && i < n; j, i = j+1, i+1 {
			if err := insertRawStep(ins, i, i/5, i%5+1); err != nil {
				b.Fatal(err)
			}
		}
		ins.Close()
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	return float64(n) / time.Since(start).Seconds()
}

// openRawSteps creates the anchors' database in dir: the steps table as
// it was when the anchor was set (a rowid table and its index), at the
// store's durability (WAL, synchronous=FULL), on one connection.
func openRawSteps(b *testing.B, dir string) *sql.DB {
	dsn := "file:" + filepath.Join(dir, "raw.db") + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		b.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE steps (
		sid TEXT PRIMARY KEY, execution_sid TEXT NOT NULL, seq INTEGER NOT NULL, flow_sid TEXT NOT NULL,
		parent_step_sid TEXT NOT NULL DEFAULT '', name TEXT NOT NULL, transitioned_from TEXT NOT NULL,
		transitioned_to TEXT NOT NULL, type TEXT NOT NULL, context TEXT NOT NULL DEFAULT '{}',
		events TEXT NOT NULL DEFAULT '[]', date_created TEXT NOT NULL);
		CREATE INDEX steps_by_execution ON steps (execution_sid, seq)`); err != nil {
		db.Close()
		b.Fatal(err)
	}
	return db
}

const rawInsertStep = `INSERT INTO steps (sid, execution_sid, seq, flow_sid, parent_step_sid, name,
	transitioned_from, transitioned_to, type, context, events, date_created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// rawStepContext is a context of the size the conversation's steps carry
// (a trigger message and a widget's outputs).
const rawStepContext = `{"flow":{"flow_sid":"FW00000000000000000000000000000001","channel":{"address":"+15550002222"},"variables":{"name":"ANN"}},` +
	`"trigger":{"message":{"Body":"ann","From":"+10000000001","To":"+15550002222"}},"widgets":{"ask":{"inbound":{"Body":"5"}}}}`

// insertRawStep inserts the i-th step row, of execution x, numbered seq.
func insertRawStep(ins *sql.Stmt, i, x, seq int) error {
	_, err := ins.Exec(fmt.Sprintf("FT%032x", i), fmt.Sprintf("FN%032x", x), seq,
		"FW00000000000000000000000000000001", "", "ask", "route", "ask", "send-and-wait-for-reply",
		rawStepContext, "[]", rawStamp(time.Now()))
	return err
}

// rawGroupCommit is the second anchor: what group commit allows at a
// number of contacts when each must see its own sprint durable before its
// next, and a sprint writes nothing but its step rows. contacts goroutines
// each run n/contacts conversations of two sprints (3 step rows, then 2,
// as the five flow's); one writer commits every sprint waiting, as the
// runner's committer does, and each sprint's contact waits for that
// commit. It returns steps/s. The gap between it
// and rawStepInserts is the price of waiting for durability with only so
// many contacts (a commit holds at most one sprint per contact, against
// the raw loop's rawRowsPerCommit rows); the gap between it and the
// conversation is the rest of the persisted path: the engine, the
// execution row, the queued messages.
func rawGroupCommit(b *testing.B, dir string, n, contacts int) (stepsPerSec float64) {
	db := openRawSteps(b, dir)
	defer db.Close()
	type sprint struct {
		rows, x int
		done    chan error
	}
	var (
		mu      sync.Mutex
		pending []*sprint
		kick    = make(chan struct{}, 1)
		quit    = make(chan struct{})
	)
	commit := func(batch []*sprint, row *int) error {
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		defer tx.Rollback()
		ins, err := tx.Prepare(rawInsertStep)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, sp := range batch {
			for j := 0; j < sp.rows; j++ {
				*row++
				if err := insertRawStep(ins, *row, sp.x, j+1); err != nil {
					return err
				}
			}
		}
		return tx.Commit()
	}
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		row := 0
		for {
			select {
			case <-quit:
				return
			case <-kick:
			}
			for {
				mu.Lock()
				batch := pending
				pending = nil
				mu.Unlock()
				if len(batch) == 0 {
					break
				}
				err := commit(batch, &row)
				for _, sp := range batch {
					sp.done <- err
				}
			}
		}
	}()
	var next, steps atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for c := 0; c < contacts; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				x := next.Add(1)
				if x > int64(n) {
					return
				}
				for _, rows := range []int{3, 2} {
					sp := &sprint{rows: rows, x: int(x), done: make(chan error, 1)}
					mu.Lock()
					pending = append(pending, sp)
					mu.Unlock()
					select {
					case kick <- struct{}{}:
					default:
					}
					if err := <-sp.done; err != nil {
						b.Error(err)
						return
					}
					steps.Add(int64(rows))
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(quit)
	<-writerDone
	return float64(steps.Load()) / elapsed.Seconds()
}

func rawStamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z07:00") }

// BenchmarkConversationVsRaw measures the persisted path beside what the
// disk and SQLite allow, in one run: three rounds, each a raw step-shaped
// insert loop (rawStepInserts, 5 rows per conversation), the same rows
// written by as many contacts as converse, each waiting for its own
// sprint's commit (rawGroupCommit), then -benchtime's count of
// conversations (BenchmarkConversation's load, 16 contacts at once), and
// reports per round and as min/median/max: raw rows/s, the group-commit
// anchor's steps/s and its ratio to raw, persisted steps/s, their ratio to
// raw and the p99 sprint latency. Interleaving keeps the disk's
// and the other tenants' moods the same for both.
func BenchmarkConversationVsRaw(b *testing.B) { conversationVsRaw(b, conversationContacts) }

// BenchmarkConversationVsRawBusy is the same with 256 contacts conversing
// at once, as on a busy appliance: with 16, a commit can hold at most 16
// sprints (about 40 steps) while the raw anchor commits 100 rows, so this
// row shows where group commit reaches when there are sprints enough to
// fill commits. It adds to the 16-contact row, it does not replace it.
func BenchmarkConversationVsRawBusy(b *testing.B) { conversationVsRaw(b, 256) }

func conversationVsRaw(b *testing.B, contacts int) {
	const rounds = 3
	type round struct{ raw, floor, floorRatio, steps, ratio, p99, perCommit float64 }
	var got []round
	n := roundSize()
	for i := 0; i < rounds; i++ {
		raw := rawStepInserts(b, b.TempDir(), 5*n)
		floor := rawGroupCommit(b, b.TempDir(), n, contacts)
		c := runConversations(b, b.TempDir(), n, contacts, false)
		got = append(got, round{raw: raw, floor: floor, floorRatio: floor / raw, steps: c.stepsPerSec(), ratio: c.stepsPerSec() / raw,
			p99: float64(c.quantile(0.99).Microseconds()), perCommit: float64(c.sprints) / float64(max(c.commits, 1))})
	}
	report := func(b *testing.B, r round) {
		b.ReportMetric(0, "ns/op")
		b.ReportMetric(r.raw, "raw-rows/s")
		b.ReportMetric(r.floor, "group-commit-steps/s")
		b.ReportMetric(r.floorRatio, "group-commit-ratio")
		b.ReportMetric(r.steps, "steps/s")
		b.ReportMetric(r.ratio, "ratio")
		b.ReportMetric(r.p99, "p99-sprint-µs")
		b.ReportMetric(r.perCommit, "sprints/commit")
	}
	pick := func(k int) round { // k-th smallest of each metric
		var out round
		col := func(f func(round) float64) float64 {
			v := make([]float64, len(got))
			for i, r := range got {
				v[i] = f(r)
			}
			sort.Float64s(v)
			return v[k]
		}
		out.raw = col(func(r round) float64 { return r.raw })
		out.floor = col(func(r round) float64 { return r.floor })
		out.floorRatio = col(func(r round) float64 { return r.floorRatio })
		out.steps = col(func(r round) float64 { return r.steps })
		out.ratio = col(func(r round) float64 { return r.ratio })
		out.p99 = col(func(r round) float64 { return r.p99 })
		out.perCommit = col(func(r round) float64 { return r.perCommit })
		return out
	}
	// The parent's sub-benchmarks only print; the work is above, done once
	// for the b.N the run asked for.
	for i, r := range got {
		b.Run(fmt.Sprintf("round%d", i+1), func(b *testing.B) { report(b, r) })
	}
	for k, name := range []string{"min", "median", "max"} {
		b.Run(name, func(b *testing.B) { report(b, pick(k)) })
	}
}

// roundSize is the conversations per round: the -benchtime count when it is
// one (make bench passes 20000x), else 20000. A parent benchmark with
// sub-benchmarks runs once with b.N = 1, so b.N cannot say.
func roundSize() int {
	if f := flag.Lookup("test.benchtime"); f != nil {
		if v, ok := strings.CutSuffix(f.Value.String(), "x"); ok {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				return n
			}
		}
	}
	return 20000
}

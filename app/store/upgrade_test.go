package store

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
)

// fixtures are rows written at the schema version that created their
// tables, in that version's shape, the way a binary of that time wrote
// them. A store is built at every earlier schema version with the rows of
// all versions up to it, then opened by this binary: every row must come
// through the migrations, and a backup must be taken first.
var fixtures = map[int][]string{
	1: {
		`INSERT INTO flows VALUES ('FWfix1', 'Fixture flow', 'published', 2, '2025-01-01T00:00:00.000000000Z', '2025-01-02T00:00:00.000000000Z')`,
		`INSERT INTO flow_revisions VALUES ('FWfix1', 1, 'draft', '{"description":"r1","initial_state":"Trigger","states":[{"name":"Trigger","type":"trigger","properties":{},"transitions":[]}]}', 'first', 1, '[]', '[]', '2025-01-01T00:00:00.000000000Z')`,
		`INSERT INTO flow_revisions VALUES ('FWfix1', 2, 'published', '{"description":"r2","initial_state":"Trigger","states":[{"name":"Trigger","type":"trigger","properties":{},"transitions":[]}]}', 'second', 1, '[]', '[]', '2025-01-02T00:00:00.000000000Z')`,
	},
	2: {
		`INSERT INTO test_users VALUES ('FWfix1', '+15550001')`,
		`INSERT INTO executions VALUES ('FNfix2', 'FWfix1', 2, '+15550001', '+15559999', 'key2', 'active', '', 'STATE:FNfix2:+15550001', '2025-01-03T00:00:00.000000000Z', '2025-01-03T00:00:00.000000000Z')`,
		`INSERT INTO executions VALUES ('FNfix2b', 'FWfix1', 2, '+15550002', '+15559999', 'key2b', 'ended', '', 'STATE:FNfix2b:+15550002', '2025-01-03T00:00:00.000000000Z', '2025-01-03T00:01:00.000000000Z')`,
		`INSERT INTO steps VALUES ('FTfix2', 'FNfix2', 1, 'FWfix1', '', 'Trigger', 'Trigger', 'Trigger', 'trigger', '{}', '[]', '2025-01-03T00:00:00.000000000Z')`,
		`INSERT INTO outbox VALUES ('SMfix2', 'FNfix2', 'message', '{"from":"+15559999","to":"+15550001","body":"queued before the upgrade"}', 'pending', 0, '', '2025-01-03T00:00:00.000000000Z', '2025-01-03T00:00:00.000000000Z')`,
		`INSERT INTO timers VALUES ('FNfix2', 'wait', '2025-01-03T01:00:00.000000000Z')`,
	},
	4: {`INSERT INTO api_keys VALUES ('SKfix4', 'ci', 'hash', '2025-01-04T00:00:00.000000000Z', '2025-01-04T00:00:00.000000000Z')`},
	5: {`INSERT INTO event_outbox (event_id, sink, payload, status, next_attempt, date_created) VALUES ('ev5', 'http://127.0.0.1:9/x', '{}', 'pending', '2025-01-05T00:00:00.000000000Z', '2025-01-05T00:00:00.000000000Z')`},
	6: {`INSERT INTO numbers VALUES ('PNfix6', '+15559999', 'Main', 'FWfix1', 'FWfix1', '2025-01-06T00:00:00.000000000Z', '2025-01-06T00:00:00.000000000Z')`},
	7: {`INSERT INTO webhook_receipts VALUES ('sms|FWfix1|SMx', 'FWfix1', 200, 'text/xml', '<Response/>', '2025-01-07T00:00:00.000000000Z')`},
	8: {`INSERT INTO sessions VALUES ('hash8', 'ACfix', '', '2025-01-08T00:00:00.000000000Z', '2099-01-08T00:00:00.000000000Z')`},
	9: {`INSERT INTO flow_tests VALUES ('FWfix1', 'smoke', '{"steps":[]}', '2025-01-09T00:00:00.000000000Z', '2025-01-09T00:00:00.000000000Z')`},
	10: {
		`INSERT INTO sip_trunks (sid, friendly_name, registrar, username, password, expires, date_created, date_updated) VALUES ('TKfix10', 'carrier', 'sip.example.com:5060', 'u', 'p', 3600, '2025-01-10T00:00:00.000000000Z', '2025-01-10T00:00:00.000000000Z')`,
		`INSERT INTO sip_credential_lists VALUES ('CLfix10', 'phones', 'api', '2025-01-10T00:00:00.000000000Z', '2025-01-10T00:00:00.000000000Z')`,
		`INSERT INTO sip_credentials VALUES ('CRfix10', 'CLfix10', 'desk1', 'ha1', 'switchboard', '2025-01-10T00:00:00.000000000Z', '2025-01-10T00:00:00.000000000Z')`,
	},
	11: {
		`INSERT INTO sms_gateways (sid, friendly_name, kind, date_created, date_updated) VALUES ('GWfix11', 'modem', 'modem', '2025-01-11T00:00:00.000000000Z', '2025-01-11T00:00:00.000000000Z')`,
		`INSERT INTO sms_messages (sid, direction, from_address, to_address, body, status, date_created, date_updated) VALUES ('SMfix11', 'inbound', '+1', '+2', 'hi', 'received', '2025-01-11T00:00:00.000000000Z', '2025-01-11T00:00:00.000000000Z')`,
		`INSERT INTO sms_parts VALUES ('GWfix11', '7', '+1', 'SMfix11', 1, 'sent', '2025-01-11T00:00:00.000000000Z')`,
	},
	12: {`INSERT INTO outbound_calls (sid, execution_sid, flow_sid, from_address, to_address, status, date_created, date_updated) VALUES ('CAfix12', 'FNfix2', 'FWfix1', '+1', '+2', 'busy', '2025-01-12T00:00:00.000000000Z', '2025-01-12T00:00:00.000000000Z')`},
	16: {
		`INSERT INTO steps VALUES ('FTfix16b', 'FNfix2', 3, 'FWfix1', '', 'ask', 'split', 'ask', 'send-and-wait-for-reply', '{"n":3}', '[]', '2025-01-16T00:00:02.000000000Z')`,
		`INSERT INTO steps VALUES ('FTfix16a', 'FNfix2', 2, 'FWfix1', '', 'split', 'Trigger', 'split', 'split-based-on', '{"n":2}', '[]', '2025-01-16T00:00:01.000000000Z')`,
	},
	17: {`INSERT INTO executions VALUES ('FNfix17', 'FWfix17', 2, '+15550017', '+15559999', 'key17', 'ended', '', 'STATE:FNfix17:+15550017', '2025-01-17T00:00:00.000000000Z', '2025-01-17T00:01:00.000000000Z', NULL)`},
	13: {`INSERT INTO queues (sid, friendly_name, date_created, date_updated) VALUES ('QUfix13', 'support', '2025-01-13T00:00:00.000000000Z', '2025-01-13T00:00:00.000000000Z')`},
}

// rowsOf are the tables (and the rows in them) the fixtures of versions up
// to v leave after every migration has run.
func rowsOf(v int) map[string]int {
	want := map[string]int{}
	add := func(from int, table string, n int) {
		if v >= from {
			want[table] += n
		}
	}
	add(1, "flows", 1)
	add(1, "flow_revisions", 2)
	add(2, "test_users", 1)
	add(2, "executions", 2)
	add(2, "steps", 1)
	add(2, "sms_messages", 1) // the outbox's queued message, moved by 0011
	add(4, "api_keys", 1)
	add(5, "event_outbox", 1)
	add(6, "numbers", 1)
	add(7, "webhook_receipts", 1)
	add(8, "sessions", 1)
	add(9, "flow_tests", 1)
	add(10, "sip_trunks", 1)
	add(10, "sip_credential_lists", 1)
	add(10, "sip_credentials", 1)
	add(11, "sms_gateways", 1)
	add(11, "sms_messages", 1)
	add(11, "sms_parts", 1)
	add(12, "outbound_calls", 1)
	add(13, "queues", 1)
	add(16, "steps", 2)
	add(17, "executions", 1)
	return want
}

// withStates replaces 'STATE:sid:contact' with an execution's state JSON
// as the engine writes it.
func withStates(t *testing.T, q string) string {
	re := regexp.MustCompile(`'STATE:(\w+):([+\d]+)'`)
	return re.ReplaceAllStringFunc(q, func(m string) string {
		p := re.FindStringSubmatch(m)
		b, err := json.Marshal(&engine.Execution{SID: p[1], FlowSID: "FWfix1", FlowRevision: 2, Contact: p[2],
			Status: engine.StatusActive, CreatedAt: time.Date(2025, 1, 3, 0, 0, 0, 0, time.UTC)})
		require.NoError(t, err)
		return "'" + strings.ReplaceAll(string(b), "'", "''") + "'"
	})
}

func TestUpgradeFromEveryEarlierSchema(t *testing.T) {
	ctx := context.Background()
	known := KnownSchema()
	for v := 1; v < known; v++ {
		t.Run(fmt.Sprintf("schema %d", v), func(t *testing.T) {
			dir := t.TempDir()
			// Build the store as the binary of schema v left it: each
			// version's rows written right after its migration.
			for step := 1; step <= v; step++ {
				s, err := OpenWith(ctx, dir, Options{upTo: step, Version: fmt.Sprintf("v0.%d.0", step)})
				require.NoError(t, err)
				for _, q := range fixtures[step] {
					_, err := s.db.ExecContext(ctx, withStates(t, q))
					require.NoError(t, err, "schema %d fixture: %s", step, q)
				}
				require.NoError(t, s.Close())
			}

			s, err := OpenWith(ctx, dir, Options{Version: "v-now", BackupBeforeMigrate: true})
			require.NoError(t, err, "migrating from schema %d", v)
			defer s.Close()
			got, err := s.SchemaVersion(ctx)
			require.NoError(t, err)
			require.Equal(t, known, got)
			for table, n := range rowsOf(v) {
				var c int
				require.NoError(t, s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&c))
				require.Equal(t, n, c, "rows of %s after migrating from schema %d", table, v)
			}
			// Through the store's own reads, not only counts.
			f, err := s.Flow(ctx, "FWfix1")
			require.NoError(t, err)
			require.Equal(t, 2, f.Revision)
			require.Contains(t, string(f.Definition), `"r2"`)
			if v >= 2 {
				x, err := s.Execution(ctx, "FNfix2")
				require.NoError(t, err)
				require.Equal(t, "+15550001", x.Contact)
				m, err := s.MessageBySID(ctx, "SMfix2")
				require.NoError(t, err, "the message queued before the upgrade")
				require.Equal(t, "queued before the upgrade", m.Body)
				// The timer row became the execution's wait_due (0016).
				due, err := s.DueTimers(ctx, time.Date(2025, 1, 3, 1, 0, 0, 0, time.UTC), 10)
				require.NoError(t, err)
				require.Equal(t, []string{"FNfix2"}, due)
				due, err = s.DueTimers(ctx, time.Date(2025, 1, 3, 0, 59, 0, 0, time.UTC), 10)
				require.NoError(t, err)
				require.Empty(t, due, "not due before its deadline")
			}

			if v >= 2 {
				// Steps come through 0017 (keyed by execution and seq) in
				// their order, found by the store's step reads.
				want := []string{"FTfix2"}
				if v >= 16 {
					want = append(want, "FTfix16a", "FTfix16b")
				}
				steps, err := s.Steps(ctx, "FNfix2")
				require.NoError(t, err)
				var got []string
				for _, st := range steps {
					got = append(got, st.SID)
				}
				require.Equal(t, want, got)
				st, err := s.Step(ctx, "FNfix2", want[len(want)-1])
				require.NoError(t, err)
				require.Equal(t, len(want), st.Seq)
			}

			// 0018: active executions have their own index, and the
			// sweeps find the executions of before the upgrade.
			idx, err := scanStrings(s.db.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'executions'`))
			require.NoError(t, err)
			require.Contains(t, idx, "executions_active_by_created")
			require.NotContains(t, idx, "executions_by_status_created")
			if v >= 2 {
				active, err := s.ActiveStartedBefore(ctx, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 10)
				require.NoError(t, err)
				require.Equal(t, []string{"FNfix2"}, active)
				n, err := s.CountExecutions(ctx, "active")
				require.NoError(t, err)
				require.Equal(t, 1, n)
				want := 1 // FNfix2b
				if v >= 17 {
					want++ // FNfix17, of another flow
				}
				n, err = s.PurgeEnded(ctx, RetainSinceStarted, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 10)
				require.NoError(t, err)
				require.Equal(t, want, n, "ended executions of before the upgrade purged")
			}

			// The backup taken before migrating holds schema v and its rows.
			files, err := filepath.Glob(filepath.Join(dir, BackupDir, preMigratePrefix+"*.db"))
			require.NoError(t, err)
			require.Len(t, files, 1)
			info, err := Inspect(ctx, files[0])
			require.NoError(t, err)
			require.Equal(t, v, info.SchemaVersion)
			require.Equal(t, fmt.Sprintf("v0.%d.0", v), info.WrittenBy)
			require.Equal(t, 1, info.Flows)
		})
	}
}

// The flow's tests (kept with it): run them all or one against the current
// draft with the `switchboard flow test` runner; each shows pass or fail
// per expectation, with the reason.
import { useState } from 'react'
import { deleteTest, runTests, type StoredTest, type TestRun } from '../../api/simulator'

interface Props {
  sid: string
  tests: StoredTest[]
  /** Saves the draft first, so the run tests what is on the canvas. */
  flush: () => Promise<void>
  onChanged: () => void
}

function RunResult({ run }: { run: TestRun }) {
  const [open, setOpen] = useState(!run.passed)
  return (
    <div className="sim-run" data-testid="sim-test-result" data-passed={run.passed}>
      <button type="button" className="link-button" onClick={() => setOpen(!open)} aria-expanded={open}>
        {open ? 'Hide' : 'Show'} {run.checks.length} {run.checks.length === 1 ? 'check' : 'checks'}
      </button>
      {open && (
        <ul className="sim-checks">
          {run.checks.map((c, i) => (
            <li key={i} className={c.passed ? 'sim-check-ok' : 'sim-check-bad'} data-testid="sim-check">
              <span aria-hidden="true">{c.passed ? '✓' : '✗'}</span> <span className="mono">{c.expectation}</span>
              {c.reason && <div className="sim-reason">{c.reason}</div>}
            </li>
          ))}
          {run.failures
            .filter((f) => !run.checks.some((c) => c.reason === f))
            .map((f) => (
              <li key={f} className="sim-check-bad">
                <span aria-hidden="true">✗</span> {f}
              </li>
            ))}
        </ul>
      )}
    </div>
  )
}

export function FlowTests({ sid, tests, flush, onChanged }: Props) {
  const [results, setResults] = useState<Map<string, TestRun>>(new Map())
  const [running, setRunning] = useState<string | null>(null)
  const [summary, setSummary] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)

  const run = async (name?: string) => {
    setRunning(name ?? '*')
    setError(null)
    try {
      await flush().catch(() => undefined)
      const r = await runTests(sid, name)
      setResults((old) => {
        const next = new Map(name === undefined ? [] : old)
        for (const x of r.runs) next.set(x.name, x)
        return next
      })
      if (name === undefined) setSummary(`${r.passed} passed, ${r.failed} failed — revision #${r.revision}`)
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
    } finally {
      setRunning(null)
    }
  }

  const remove = async (name: string) => {
    setError(null)
    try {
      await deleteTest(sid, name)
      setResults((old) => {
        const next = new Map(old)
        next.delete(name)
        return next
      })
      onChanged()
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
    }
  }

  return (
    <section className="sim-tests" data-testid="sim-tests" aria-label="Flow tests">
      <div className="sim-section-head">
        <h4>Flow tests</h4>
        <button type="button" className="btn btn-small" data-testid="sim-run-tests" disabled={tests.length === 0 || running !== null} onClick={() => void run()}>
          {running === '*' ? 'Running…' : 'Run all'}
        </button>
      </div>
      {tests.length === 0 && <p className="muted small">No tests yet. Finish a conversation and save it as a test.</p>}
      {summary && (
        <p className="small" data-testid="sim-tests-summary">
          {summary}
        </p>
      )}
      {error && (
        <p className="error-text small" role="alert">
          {error}
        </p>
      )}
      <ul className="sim-test-list">
        {tests.map((t) => {
          const r = results.get(t.name)
          return (
            <li key={t.name} className="sim-test" data-testid="sim-test" data-name={t.name}>
              <div className="sim-test-line">
                {r ? (
                  <span className={`badge ${r.passed ? 'badge-published' : 'badge-failed'}`} data-testid="sim-test-status">
                    {r.passed ? 'Passed' : 'Failed'}
                  </span>
                ) : (
                  <span className="badge badge-draft">Not run</span>
                )}
                <span className="sim-test-name" title={`${t.test.trigger}: ${(t.test.inputs ?? []).join(', ') || 'no inputs'}`}>
                  {t.name}
                </span>
                <button type="button" className="link-button" disabled={running !== null} onClick={() => void run(t.name)}>
                  {running === t.name ? 'Running…' : 'Run'}
                </button>
                <button type="button" className="link-button sim-danger" aria-label={`Delete test ${t.name}`} onClick={() => void remove(t.name)}>
                  Delete
                </button>
              </div>
              {r && <RunResult key={`${r.passed}-${r.checks.length}-${r.failures.join()}`} run={r} />}
            </li>
          )
        })}
      </ul>
    </section>
  )
}

// The simulation's HTTP mocks: method, URL, status, body. A request that
// matches one is answered from it; any other goes out for real.
import type { MockRow } from '../../model/simulation'
import { emptyMockRow } from '../../model/simulation'

interface Props {
  rows: MockRow[]
  onChange: (rows: MockRow[]) => void
  problems: string[]
}

export function MocksEditor({ rows, onChange, problems }: Props) {
  const set = (i: number, patch: Partial<MockRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)))
  return (
    <div className="sim-mocks" data-testid="sim-mocks">
      <p className="muted small">
        Requests from Make HTTP Request and Run Function widgets that match a mock are answered from it; others go out for real.
      </p>
      {rows.map((r, i) => (
        <div key={i} className="sim-mock" data-testid="sim-mock">
          <div className="sim-mock-line">
            <select aria-label="Method" value={r.method} onChange={(e) => set(i, { method: e.target.value as MockRow['method'] })}>
              <option value="">any</option>
              <option value="GET">GET</option>
              <option value="POST">POST</option>
            </select>
            <input aria-label="URL" placeholder="https://api.example.com/path" value={r.url} onChange={(e) => set(i, { url: e.target.value })} />
            <input aria-label="Status" className="sim-mock-status" inputMode="numeric" value={r.status} onChange={(e) => set(i, { status: e.target.value })} />
            <button type="button" className="link-button" aria-label={`Remove mock ${i + 1}`} onClick={() => onChange(rows.filter((_, j) => j !== i))}>
              ✕
            </button>
          </div>
          <textarea aria-label="Body" rows={2} placeholder='Body: JSON like {"ok": true}, or text' value={r.body} onChange={(e) => set(i, { body: e.target.value })} />
        </div>
      ))}
      {problems.map((p) => (
        <p key={p} className="error-text small" role="alert">
          {p}
        </p>
      ))}
      <button type="button" className="btn btn-small" data-testid="sim-add-mock" onClick={() => onChange([...rows, emptyMockRow()])}>
        Add a mock
      </button>
    </div>
  )
}

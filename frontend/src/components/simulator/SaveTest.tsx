// "Save as test": the finished conversation as a flow test kept with the flow.
import { useState } from 'react'
import { ApiError } from '../../api/client'
import { saveTest, type Simulation } from '../../api/simulator'
import { checkFlowTest, notSavable, testWarnings, toFlowTest, uniqueName } from '../../model/simulation'

interface Props {
  sid: string
  sim: Simulation
  taken: string[]
  onSaved: () => void
}

export function SaveTest({ sid, sim, taken, onSaved }: Props) {
  const base = sim.channel === 'voice' ? `Call: ${sim.inputs.filter((i) => i !== '/hangup').join(', ') || 'no input'}` : `Chat: ${sim.body ?? 'hi'}`
  const [name, setName] = useState(() => uniqueName(base.slice(0, 80), taken))
  const [error, setError] = useState<string | null>(null)
  const [saved, setSaved] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const blocked = notSavable(sim)
  const warnings = testWarnings(sim)

  const save = async () => {
    setError(null)
    const doc = toFlowTest(sim, name)
    const problems = checkFlowTest(doc)
    if (problems.length > 0) {
      setError(problems.join('; '))
      return
    }
    setBusy(true)
    try {
      await saveTest(sid, doc)
      setSaved(doc.name)
      onSaved()
    } catch (e) {
      setError(e instanceof ApiError && e.status === 409 ? `A test named “${doc.name}” exists already: pick another name.` : e instanceof Error ? e.message : String(e))
    } finally {
      setBusy(false)
    }
  }

  if (saved) {
    return (
      <p className="sim-saved small" data-testid="sim-saved" role="status">
        Saved as the test “{saved}”.
      </p>
    )
  }
  return (
    <div className="sim-save" data-testid="sim-save">
      <label className="sim-field">
        <span>Test name</span>
        <input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} data-testid="sim-test-name" />
      </label>
      {warnings.map((w) => (
        <p key={w} className="sim-warn small">
          {w}
        </p>
      ))}
      {error && (
        <p className="error-text small" role="alert">
          {error}
        </p>
      )}
      <button type="button" className="btn btn-small btn-primary" data-testid="sim-save-test" disabled={busy || blocked !== null || name.trim() === ''} title={blocked ?? undefined} onClick={() => void save()}>
        Save as test
      </button>
    </div>
  )
}

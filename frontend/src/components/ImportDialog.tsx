import { useState, type ChangeEvent, type FormEvent } from 'react'
import { Dialog } from './Dialog'
import { ApiError, client, type Flow, type Problem } from '../api/client'
import { importText } from '../format'

interface Props {
  onImported: (flow: Flow) => void
  onClose: () => void
}

/**
 * Imports a Studio export from a file or pasted JSON. The text is checked by
 * Flow Validate first; a bad file shows the validator's message and nothing is created.
 */
export function ImportDialog({ onImported, onClose }: Props) {
  const [text, setText] = useState('')
  const [name, setName] = useState('')
  const [fileName, setFileName] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [problems, setProblems] = useState<Problem[]>([])

  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const f = e.target.files?.[0]
    if (!f) return
    setError(null)
    setProblems([])
    try {
      const t = await f.text()
      setText(t)
      setFileName(f.name)
      if (name === '') setName(f.name.replace(/\.json$/i, ''))
    } catch (err) {
      setError(`Cannot read ${f.name}: ${err instanceof Error ? err.message : String(err)}`)
    }
  }

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setError(null)
    setProblems([])
    if (text.trim() === '') {
      setError('Choose a file or paste a flow definition first.')
      return
    }
    const { definition, name: embedded } = importText(text)
    const friendlyName = name.trim() || embedded || 'Imported flow'
    setBusy(true)
    try {
      await client.validateFlow({ FriendlyName: friendlyName, Status: 'draft', Definition: definition })
      const flow = await client.createFlow({ FriendlyName: friendlyName, Status: 'draft', Definition: definition })
      onImported(flow)
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err))
      if (err instanceof ApiError) setProblems(err.errors)
      setBusy(false)
    }
  }

  return (
    <Dialog title="Import a flow" testId="import-dialog" onClose={onClose}>
      <form onSubmit={submit} className="stack">
        <label className="field">
          <span className="field-label">Studio export (.json file)</span>
          <input type="file" accept=".json,application/json" onChange={onFile} data-testid="import-file" />
        </label>
        <label className="field">
          <span className="field-label">…or paste the flow's JSON</span>
          <textarea
            rows={8}
            spellCheck={false}
            className="mono"
            value={text}
            placeholder='{ "description": "…", "states": [ … ], "initial_state": "Trigger" }'
            onChange={(e) => {
              setText(e.target.value)
              setFileName(null)
            }}
            data-testid="import-text"
          />
        </label>
        {fileName && <p className="muted small">Read {fileName}.</p>}
        <label className="field">
          <span className="field-label">Flow name</span>
          <input value={name} maxLength={200} onChange={(e) => setName(e.target.value)} data-testid="import-name" />
        </label>
        {error && (
          <div className="error-box" role="alert" data-testid="import-error">
            <p>{error}</p>
            {problems.length > 1 && (
              <ul>
                {problems.map((p, i) => (
                  <li key={i}>
                    {p.message}
                    {p.property_path && <span className="mono muted"> {p.property_path}</span>}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="import-submit">
            {busy ? 'Checking…' : 'Import'}
          </button>
        </div>
      </form>
    </Dialog>
  )
}

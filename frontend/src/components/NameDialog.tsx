import { useState, type FormEvent } from 'react'
import { Dialog } from './Dialog'
import { ApiError } from '../api/client'

interface Props {
  title: string
  label: string
  initial: string
  submitText: string
  testId?: string
  onSubmit: (name: string) => Promise<void>
  onClose: () => void
}

/** Asks for a flow name (new flow, rename, duplicate); shows the server's error text. */
export function NameDialog({ title, label, initial, submitText, testId, onSubmit, onClose }: Props) {
  const [name, setName] = useState(initial)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    const n = name.trim()
    if (n === '') {
      setError('The name cannot be empty.')
      return
    }
    setBusy(true)
    setError(null)
    try {
      await onSubmit(n)
    } catch (err) {
      setError(err instanceof ApiError || err instanceof Error ? err.message : String(err))
      setBusy(false)
    }
  }

  return (
    <Dialog title={title} testId={testId} onClose={onClose}>
      <form onSubmit={submit} className="stack">
        <label className="field">
          <span className="field-label">{label}</span>
          <input autoFocus value={name} maxLength={200} onChange={(e) => setName(e.target.value)} data-testid="flow-name" />
        </label>
        {error && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="dialog-submit">
            {busy ? 'Working…' : submitText}
          </button>
        </div>
      </form>
    </Dialog>
  )
}

import { useState } from 'react'
import { Dialog } from './Dialog'

interface Props {
  title: string
  message: string
  confirmText: string
  onConfirm: () => Promise<void>
  onClose: () => void
}

/** Asks before something that cannot be undone (deleting a flow). */
export function ConfirmDialog({ title, message, confirmText, onConfirm, onClose }: Props) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const confirm = async () => {
    setBusy(true)
    setError(null)
    try {
      await onConfirm()
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err))
      setBusy(false)
    }
  }
  return (
    <Dialog title={title} testId="confirm-dialog" onClose={onClose}>
      <p>{message}</p>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onClose} autoFocus>
          Cancel
        </button>
        <button type="button" className="btn btn-danger" disabled={busy} onClick={confirm} data-testid="confirm">
          {busy ? 'Working…' : confirmText}
        </button>
      </div>
    </Dialog>
  )
}

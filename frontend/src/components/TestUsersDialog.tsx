// A flow's test users (GET/POST v2/Flows/{Sid}/TestUsers): the numbers that
// run the draft's latest revision instead of the published one.
import { useEffect, useState } from 'react'
import { client } from '../api/client'
import { addTestUser, parseE164 } from '../model/testUsers'
import { Dialog } from './Dialog'

interface Props {
  sid: string
  onClose: () => void
}

export function TestUsersDialog({ sid, onClose }: Props) {
  const [users, setUsers] = useState<string[] | null>(null)
  const [text, setText] = useState('')
  const [inputError, setInputError] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  useEffect(() => {
    let live = true
    client.getTestUsers(sid).then(
      (u) => live && setUsers(u),
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    )
    return () => {
      live = false
    }
  }, [sid])

  const store = async (next: string[]) => {
    setBusy(true)
    setError(null)
    try {
      setUsers(await client.setTestUsers(sid, next))
      return true
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
      return false
    } finally {
      setBusy(false)
    }
  }

  const add = async () => {
    const r = parseE164(text)
    if ('error' in r) return setInputError(r.error)
    setInputError(null)
    if (await store(addTestUser(users ?? [], r.number))) setText('')
  }

  return (
    <Dialog title="Test users" testId="test-users-dialog" onClose={onClose}>
      <p className="muted small">
        Calls and messages from these numbers run the latest draft of this flow instead of the published revision, so you
        can try a change before publishing it.
      </p>
      {users === null && !error && <p className="muted">Loading…</p>}
      {users !== null && users.length === 0 && <p className="muted">No test users yet.</p>}
      {users !== null && users.length > 0 && (
        <ul className="test-users" data-testid="test-users">
          {users.map((u) => (
            <li key={u} data-testid="test-user">
              <span className="mono">{u}</span>
              <button type="button" className="btn btn-small btn-danger-quiet" disabled={busy} onClick={() => void store(users.filter((x) => x !== u))} aria-label={`Remove ${u}`}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        className="test-user-add"
        onSubmit={(e) => {
          e.preventDefault()
          void add()
        }}
      >
        <label htmlFor="test-user-number" className="field-label">
          Phone number (E.164)
        </label>
        <div className="row">
          <input
            id="test-user-number"
            data-testid="test-user-number"
            value={text}
            placeholder="+15551234567"
            aria-invalid={inputError !== null}
            onChange={(e) => {
              setText(e.target.value)
              setInputError(null)
            }}
          />
          <button type="submit" className="btn btn-primary" data-testid="test-user-add" disabled={busy || users === null}>
            Add
          </button>
        </div>
        {inputError && (
          <p className="error-text small" role="alert" data-testid="test-user-error">
            {inputError}
          </p>
        )}
      </form>
      {error && (
        <p className="error-box" role="alert">
          {error}
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onClose}>
          Done
        </button>
      </div>
    </Dialog>
  )
}

import { useState, type FormEvent } from 'react'
import { ApiError, client } from '../api/client'

interface Props {
  onSignedIn: () => void
}

function explain(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 401) return 'The account SID (or API key SID) and auth token (or secret) do not match. Check both and try again.'
    if (err.status === 429) return 'Too many failed sign-ins. Wait a minute, then try again.'
    return err.message
  }
  return err instanceof Error ? err.message : String(err)
}

/** The sign-in page: account SID or API key SID, and auth token or secret. */
export function LoginForm({ onSignedIn }: Props) {
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await client.signIn(username.trim(), password)
      onSignedIn()
    } catch (err) {
      setError(explain(err))
      setBusy(false)
    }
  }

  return (
    <main className="login-page">
      <form className="login-card stack" onSubmit={submit} data-testid="login-form">
        <div className="brand brand-large">Switchboard</div>
        <p className="muted">Sign in with your account credentials to edit flows.</p>
        <p className="muted small">
          The account SID and auth token are in <code>credentials.json</code> in the appliance's data folder
          (<code>data/credentials.json</code> after <code>make run</code>); the appliance logs the account SID when it starts.
        </p>
        <label className="field">
          <span className="field-label">Account SID or API key SID</span>
          <input
            name="username"
            autoComplete="username"
            autoFocus
            spellCheck={false}
            placeholder="AC… or SK…"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            data-testid="login-username"
            required
          />
        </label>
        <label className="field">
          <span className="field-label">Auth token or API key secret</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="login-password"
            required
          />
        </label>
        {error && (
          <p className="error-text" role="alert" data-testid="login-error">
            {error}
          </p>
        )}
        <button type="submit" className="btn btn-primary btn-block" disabled={busy} data-testid="login-submit">
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  )
}

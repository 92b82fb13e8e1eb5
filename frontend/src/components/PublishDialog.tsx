// Publish: saves the draft first, shows Flow Validate's count of errors and
// warnings, refuses while there are errors (the server would answer 81022,
// as Studio does), and publishes with an optional commit message.
import { useEffect, useState } from 'react'
import { ApiError, type Flow, type Problem as ApiProblem } from '../api/client'
import type { Problem } from '../model/problems'
import { Dialog } from './Dialog'

interface Props {
  /** The problems of the last save (updated after the flush). */
  problems: Problem[]
  /** Saves the draft now. */
  flush: () => Promise<void>
  publish: (commitMessage: string) => Promise<Flow>
  onPublished: (flow: Flow) => void
  /** Opens the problems list (the dialog closes). */
  onShowProblems: () => void
  onClose: () => void
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`

export function PublishDialog({ problems, flush, publish, onPublished, onShowProblems, onClose }: Props) {
  const [phase, setPhase] = useState<'saving' | 'ready' | 'publishing'>('saving')
  const [saveError, setSaveError] = useState<string | null>(null)
  const [error, setError] = useState<{ message: string; errors: ApiProblem[] } | null>(null)
  const [message, setMessage] = useState('')

  useEffect(() => {
    let live = true
    flush().then(
      () => live && setPhase('ready'),
      (e: unknown) => {
        if (!live) return
        setSaveError(e instanceof Error ? e.message : String(e))
        setPhase('ready')
      },
    )
    return () => {
      live = false
    }
  }, [flush])

  const errors = problems.filter((p) => p.level === 'error').length
  const warnings = problems.length - errors
  const blocked = errors > 0 || saveError !== null

  const submit = async () => {
    setPhase('publishing')
    setError(null)
    try {
      const f = await publish(message)
      onPublished(f)
    } catch (e) {
      setError({ message: e instanceof Error ? e.message : String(e), errors: e instanceof ApiError ? e.errors : [] })
      setPhase('ready')
    }
  }

  return (
    <Dialog title="Publish flow" testId="publish-dialog" onClose={onClose}>
      {phase === 'saving' ? (
        <p className="muted" data-testid="publish-checking">
          Saving the draft and checking it…
        </p>
      ) : (
        <>
          <p className={`publish-count ${errors > 0 ? 'has-errors' : warnings > 0 ? 'has-warnings' : 'clean'}`} data-testid="publish-count">
            {errors === 0 && warnings === 0 ? 'Flow Validate found no errors and no warnings.' : `Flow Validate found ${plural(errors, 'error')} and ${plural(warnings, 'warning')}.`}
          </p>
          {saveError !== null && (
            <p className="error-box" role="alert" data-testid="publish-save-error">
              The draft could not be saved, so there is nothing safe to publish yet: {saveError}
            </p>
          )}
          {errors > 0 && (
            <p className="error-box" role="alert" data-testid="publish-blocked">
              A flow with errors cannot be published (Studio refuses it too): calls and messages would reach a widget that
              cannot run. Fix the {plural(errors, 'error')} first; the draft is saved meanwhile.{' '}
              <button type="button" className="link-button" onClick={onShowProblems} data-testid="publish-show-problems">
                Show problems
              </button>
            </p>
          )}
          {errors === 0 && warnings > 0 && <p className="muted small">Warnings do not stop publishing, but read them first.</p>}
          <label className="field-label" htmlFor="commit-message">
            Commit message <span className="muted">(optional, shown in Revisions)</span>
          </label>
          <textarea
            id="commit-message"
            className="commit-message"
            data-testid="commit-message"
            rows={3}
            value={message}
            placeholder="What changed, e.g. “Added the after-hours menu”"
            disabled={blocked}
            autoFocus
            onChange={(e) => setMessage(e.target.value)}
          />
          {error && (
            <div className="error-box" role="alert" data-testid="publish-error">
              {error.message}
              {error.errors.length > 0 && (
                <ul>
                  {error.errors.map((p, i) => (
                    <li key={i}>
                      {p.message} {p.property_path && <span className="mono small">({p.property_path})</span>}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
        </>
      )}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          className="btn btn-primary"
          data-testid="publish-submit"
          disabled={phase !== 'ready' || blocked}
          onClick={() => void submit()}
        >
          {phase === 'publishing' ? 'Publishing…' : 'Publish'}
        </button>
      </div>
    </Dialog>
  )
}

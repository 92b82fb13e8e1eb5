import { useCallback, useEffect, useState, type FormEvent } from 'react'
import { createQueue, updateQueue, type Queue } from '../../api/queues'
import { listCredentialLists, listCredentials, type Credential } from '../../api/settings'
import { agentChoices, emptyQueue, queueDraftOf, queueDraftProblems, queueInput, toggleAgent, type QueueDraft } from '../../model/queues'
import { fieldError } from '../../model/settings'
import { Dialog } from '../Dialog'
import { TextField } from '../settings/TextField'

interface Props {
  /** The queue to edit; absent for a new one. */
  queue?: Queue
  onSaved: (q: Queue) => void
  onClose: () => void
}

async function deskPhones(): Promise<Credential[]> {
  const lists = await listCredentialLists()
  return (await Promise.all(lists.map((l) => listCredentials(l.sid)))).flat()
}

/** Adds or edits a call queue: its name, the desk phones that answer it, hold music, position announcements, size. */
export function QueueForm({ queue, onSaved, onClose }: Props) {
  const [draft, setDraft] = useState<QueueDraft>(() => (queue ? queueDraftOf(queue) : emptyQueue()))
  const [phones, setPhones] = useState<Credential[] | null>(null)
  const [phonesError, setPhonesError] = useState<string | null>(null)
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [busy, setBusy] = useState(false)
  const readPhones = useCallback(() => {
    deskPhones().then(setPhones, (x: unknown) => setPhonesError(x instanceof Error ? x.message : String(x)))
  }, [])
  useEffect(readPhones, [readPhones])
  const set = <K extends keyof QueueDraft>(k: K, v: QueueDraft[K]) => setDraft((d) => ({ ...d, [k]: v }))

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    const problems = queueDraftProblems(draft)
    setErrors(problems)
    if (Object.keys(problems).length) return
    setBusy(true)
    try {
      const input = queueInput(draft)
      onSaved(queue ? await updateQueue(queue.sid, input) : await createQueue(input))
    } catch (x) {
      const fe = fieldError(x, 'FriendlyName')
      setErrors({ [fe.field]: fe.message })
      setBusy(false)
      // a phone removed meanwhile then shows as no desk phone any more
      if (fe.field === 'Agents') readPhones()
    }
  }

  const choices = agentChoices(phones ?? [], draft.Agents)
  const agentsError = errors.Agents
  return (
    <Dialog title={queue ? `Edit queue “${queue.friendly_name}”` : 'Add a call queue'} testId="queue-form" onClose={onClose} wide>
      <form className="settings-form" onSubmit={submit} noValidate>
        <TextField
          label="Name"
          name="FriendlyName"
          value={draft.FriendlyName}
          onChange={(v) => set('FriendlyName', v)}
          error={errors.FriendlyName}
          hint="The Enqueue Call widget's Queue name: callers are put in the queue of that name."
          placeholder="e.g. support"
          autoFocus={!queue}
        />
        <div className="field settings-field" role="group" aria-labelledby="queue-agents-label">
          <span className="field-label" id="queue-agents-label">
            Agents
          </span>
          {phones === null && !phonesError && <span className="muted small">Loading desk phones…</span>}
          {phonesError && (
            <span className="field-error" role="alert">
              The desk phones could not be read: {phonesError}
            </span>
          )}
          {phones !== null && choices.length === 0 && (
            <span className="notice-box small" data-testid="no-desk-phones">
              No desk phones yet. Add one under Desk phones above; it can then answer this queue.
            </span>
          )}
          {choices.length > 0 && (
            <div className={agentsError ? 'agent-list agent-list-invalid' : 'agent-list'} data-testid="agent-list">
              {choices.map((c) => (
                <label key={c.user} className="agent-option" data-testid="agent-option" data-user={c.user}>
                  <input
                    type="checkbox"
                    checked={draft.Agents.includes(c.user)}
                    onChange={(e) => set('Agents', toggleAgent(draft.Agents, c.user, e.target.checked))}
                  />
                  <span className="mono">{c.user}</span>
                  <span className="agent-reg small">
                    {c.missing ? (
                      <span className="badge status-failed">not a desk phone any more</span>
                    ) : c.registered ? (
                      <span className="badge status-ok">Registered</span>
                    ) : (
                      <span className="badge status-off">Not registered</span>
                    )}
                  </span>
                </label>
              ))}
            </div>
          )}
          {agentsError ? (
            <span className="field-error" role="alert" data-testid="field-Agents-error">
              {agentsError}
            </span>
          ) : (
            <span className="field-hint">
              The free phone that has waited longest since its last queue call rings first. A phone that is not registered is skipped.
            </span>
          )}
        </div>
        <div className="field settings-field" role="group" aria-labelledby="queue-hold-label">
          <span className="field-label" id="queue-hold-label">
            Hold music
          </span>
          <div className="hold-choice">
            <label>
              <input type="radio" name="hold" checked={draft.Hold === 'tone'} onChange={() => set('Hold', 'tone')} data-testid="hold-tone" />
              A soft tone
            </label>
            <label>
              <input type="radio" name="hold" checked={draft.Hold === 'file'} onChange={() => set('Hold', 'file')} data-testid="hold-file" />
              A media file
            </label>
            {draft.Hold === 'file' && (
              <input
                type="text"
                aria-label="Media file name"
                value={draft.HoldFile}
                placeholder="e.g. hold-music.wav"
                onChange={(e) => set('HoldFile', e.target.value)}
                aria-invalid={errors.HoldMusic ? true : undefined}
                data-testid="field-HoldMusic"
              />
            )}
          </div>
          {errors.HoldMusic ? (
            <span className="field-error" role="alert" data-testid="field-HoldMusic-error">
              {errors.HoldMusic}
            </span>
          ) : (
            <span className="field-hint">
              {draft.Hold === 'tone'
                ? 'A soft tone, one and a half seconds on and half a second off, so callers know they are still connected.'
                : 'A file named as the Say/Play widget plays it, looped while the caller waits; one that cannot be played falls back to the tone.'}
            </span>
          )}
        </div>
        <div className="field-row">
          <TextField
            label="Max size (callers)"
            name="MaxSize"
            type="number"
            value={draft.MaxSize}
            onChange={(v) => set('MaxSize', v)}
            error={errors.MaxSize}
            hint="A caller beyond it is not queued: the widget goes on to Failed to enqueue."
          />
          <div className="field settings-field enabled-field">
            <label className="check-label" htmlFor="field-AnnouncePosition">
              <input
                id="field-AnnouncePosition"
                type="checkbox"
                checked={draft.AnnouncePosition}
                onChange={(e) => set('AnnouncePosition', e.target.checked)}
                data-testid="field-AnnouncePosition"
              />
              <span>Announce position</span>
            </label>
            {errors.AnnouncePosition ? (
              <span className="field-error">{errors.AnnouncePosition}</span>
            ) : (
              <span className="field-hint">Callers hear “You are caller number 2.” as they join, then every 30 s.</span>
            )}
          </div>
        </div>
        {errors[''] && (
          <p className="error-box" role="alert" data-testid="queue-form-error">
            {errors['']}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="queue-save">
            {busy ? 'Saving…' : queue ? 'Save' : 'Add queue'}
          </button>
        </div>
      </form>
    </Dialog>
  )
}

import { useCallback, useEffect, useRef, useState } from 'react'
import { deleteTrunk, listTrunks, type Trunk } from '../../api/settings'
import { mergeTrunkEvent } from '../../model/settings'
import { ConfirmDialog } from '../ConfirmDialog'
import { TrunkForm } from './TrunkForm'
import { TrunkStatusBadge } from './TrunkStatusBadge'
import { eventsAfter, type VoiceEvent } from './voiceEvent'

interface Props {
  events: VoiceEvent[]
  now: number
}

/** SIP trunks we register with: their settings and live registration state. */
/** How often an unsettled trunk list is re-read. */
const settleMs = 3000

export function TrunksSection({ events, now }: Props) {
  const [trunks, setTrunks] = useState<Trunk[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [editing, setEditing] = useState<Trunk | 'new' | null>(null)
  const [removing, setRemoving] = useState<Trunk | null>(null)

  const load = useCallback(async () => {
    try {
      setTrunks(await listTrunks())
      setError(null)
    } catch (x) {
      setError(x instanceof Error ? x.message : String(x))
    }
  }, [])
  useEffect(() => {
    void load()
  }, [load])
  // Events are the fast path; while a trunk is still registering or failing the list is also
  // re-read every few seconds, so an event that raced a reload (or a stream reconnect) cannot
  // leave a stale badge behind.
  useEffect(() => {
    if (!trunks?.some((t) => t.status === 'registering' || t.status === 'failed')) return
    const t = window.setTimeout(() => void load(), settleMs)
    return () => window.clearTimeout(t)
  }, [trunks, load])
  const seen = useRef(0)
  useEffect(() => {
    const { fresh, last } = eventsAfter(events, seen.current, 'trunk')
    seen.current = last
    if (fresh.length) setTrunks((l) => (l ? fresh.reduce((acc, e) => mergeTrunkEvent(acc, e.data), l) : l))
  }, [events])

  return (
    <section className="settings-section" data-testid="trunks-section" aria-labelledby="trunks-title">
      <div className="section-head">
        <div>
          <h2 id="trunks-title">Trunks</h2>
          <p className="muted small">SIP providers and PBXs Switchboard registers with. Changes apply at once.</p>
        </div>
        <button type="button" className="btn btn-primary" onClick={() => setEditing('new')} data-testid="add-trunk">
          Add trunk
        </button>
      </div>
      {error && (
        <p className="error-box" role="alert">
          {error}
        </p>
      )}
      {trunks === null && !error && <p className="muted">Loading trunks…</p>}
      {trunks !== null && trunks.length === 0 && <p className="empty small">No trunks yet: calls come only from allowed networks and desk phones.</p>}
      {trunks !== null && trunks.length > 0 && (
        <table className="flows-table settings-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Registrar</th>
              <th>Numbers</th>
              <th>Status</th>
              <th className="sr-only-text">Actions</th>
            </tr>
          </thead>
          <tbody>
            {trunks.map((t) => (
              <tr key={t.sid} data-testid="trunk-row" data-name={t.friendly_name}>
                <td>
                  <span className="flow-name">{t.friendly_name}</span>
                  {t.source === 'flag' && <span className="badge badge-draft source-badge" title="Set by --trunk at each start">flag</span>}
                </td>
                <td>
                  <span className="mono small">{t.username ? `${t.username}@${t.registrar}` : t.registrar}</span>
                  <span className="muted small"> · {t.transport.toUpperCase()}</span>
                </td>
                <td className="small">{t.numbers.length ? t.numbers.join(', ') : <span className="muted">—</span>}</td>
                <td>
                  <TrunkStatusBadge trunk={t} now={now} />
                </td>
                <td className="row-actions">
                  <button type="button" className="btn btn-small" onClick={() => setEditing(t)} data-testid="edit-trunk">
                    Edit
                  </button>
                  <button type="button" className="btn btn-small btn-danger-quiet" onClick={() => setRemoving(t)} data-testid="remove-trunk">
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing && (
        <TrunkForm
          trunk={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null)
            void load()
          }}
        />
      )}
      {removing && (
        <ConfirmDialog
          title={`Remove trunk “${removing.friendly_name}”?`}
          message="Switchboard unregisters from it now and takes no more calls from it."
          confirmText="Remove"
          onClose={() => setRemoving(null)}
          onConfirm={async () => {
            await deleteTrunk(removing.sid)
            setRemoving(null)
            await load()
          }}
        />
      )}
    </section>
  )
}

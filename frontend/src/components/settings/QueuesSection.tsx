import { useState } from 'react'
import { deleteQueue, listQueues, type Queue } from '../../api/queues'
import { formatWait, longestWaitNow, mergeQueueEvent, timed, type Timed } from '../../model/queues'
import { ConfirmDialog } from '../ConfirmDialog'
import { AgentChip } from '../queues/AgentChip'
import { QueueForm } from '../queues/QueueForm'
import '../queues/queues.css'
import { SettingsSection } from './SettingsSection'
import { useLiveList } from './useLiveList'
import type { VoiceEvent } from './voiceEvent'

interface Props {
  events: VoiceEvent[]
  now: number
}

/** Call queues for the Enqueue Call widget: the desk phones answering each, and who waits now, live. */
export function QueuesSection({ events, now }: Props) {
  const { items: queues, error, reload } = useLiveList<Timed<Queue>>({
    read: async () => timed(await listQueues(), Date.now()),
    live: { events, kind: 'queue', merge: (l, data) => mergeQueueEvent(l, data, Date.now()) },
  })
  const [editing, setEditing] = useState<Queue | 'new' | null>(null)
  const [removing, setRemoving] = useState<Queue | null>(null)

  return (
    <SettingsSection
      id="queues"
      title="Call queues"
      lead="Callers of a flow's Enqueue Call widget wait in a queue, hearing hold music, until one of its desk phones answers."
      action={
        <button type="button" className="btn btn-primary" onClick={() => setEditing('new')} data-testid="add-queue">
          Add queue
        </button>
      }
      error={error}
      loading={queues === null}
      empty={
        queues?.length === 0 ? (
          <>
            <p>
              <strong>No call queue yet.</strong> Callers of a flow's Enqueue Call widget wait here until a desk phone answers — a
              support line, say, answered by whichever of three phones is free.
            </p>
            <p className="muted">
              Add the desk phones first (above), then a queue with them as its agents, and name the queue in the widget.
            </p>
          </>
        ) : null
      }
      overlays={
        <>
          {editing && (
            <QueueForm
              queue={editing === 'new' ? undefined : editing}
              onClose={() => setEditing(null)}
              onSaved={() => {
                setEditing(null)
                void reload()
              }}
            />
          )}
          {removing && (
            <ConfirmDialog
              title={`Remove queue “${removing.friendly_name}”?`}
              message={
                removing.current_size > 0
                  ? `${removing.current_size} caller${removing.current_size === 1 ? ' is' : 's are'} waiting in it: they keep waiting until they leave. The next caller of an Enqueue Call widget naming it creates it again, with no agents.`
                  : 'Nobody is waiting in it. The next caller of an Enqueue Call widget naming it creates it again, with no agents.'
              }
              confirmText="Remove"
              onClose={() => setRemoving(null)}
              onConfirm={async () => {
                await deleteQueue(removing.sid)
                setRemoving(null)
                await reload()
              }}
            />
          )}
        </>
      }
    >
      <table className="flows-table settings-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Agents</th>
            <th className="num">Waiting now</th>
            <th className="num">Longest wait</th>
            <th className="num">Max size</th>
            <th className="sr-only-text">Actions</th>
          </tr>
        </thead>
        <tbody>
          {queues?.map((q) => (
            <tr key={q.sid} data-testid="queue-row" data-name={q.friendly_name} data-sid={q.sid}>
              <td>
                <span className="flow-name">{q.friendly_name}</span>
                <div className="muted small">
                  {q.hold_music === 'tone' || q.hold_music === '' ? 'tone' : q.hold_music}
                  {q.announce_position ? ' · announces position' : ''}
                </div>
              </td>
              <td>
                {q.agents.length ? (
                  <div className="agent-chips" data-testid="queue-agents">
                    {q.agents.map((a) => (
                      <AgentChip key={a.user} agent={a} />
                    ))}
                  </div>
                ) : (
                  <span className="muted small">none — Edit to pick desk phones</span>
                )}
              </td>
              <td className="num" data-testid="queue-waiting">
                {q.current_size}
              </td>
              <td className="num" data-testid="queue-longest">
                {formatWait(longestWaitNow(q, now))}
              </td>
              <td className="num">{q.max_size}</td>
              <td className="row-actions">
                <button type="button" className="btn btn-small" onClick={() => setEditing(q)} data-testid="edit-queue">
                  Edit
                </button>
                <button type="button" className="btn btn-small btn-danger-quiet" onClick={() => setRemoving(q)} data-testid="remove-queue">
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </SettingsSection>
  )
}

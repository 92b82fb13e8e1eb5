import { deleteQueue, listQueues, type Queue } from '../../api/queues'
import { formatWait, longestWaitNow, mergeQueueEvent, timed, type Timed } from '../../model/queues'
import { AgentChip } from '../queues/AgentChip'
import { QueueForm } from '../queues/QueueForm'
import '../queues/queues.css'
import { RemoveDialog } from './RemoveDialog'
import { RowActions } from './RowActions'
import { SettingsSection } from './SettingsSection'
import { formItem, useItemDialogs } from './useItemDialogs'
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
  const d = useItemDialogs<Queue>(reload)

  return (
    <SettingsSection
      id="queues"
      title="Call queues"
      lead="Callers of a flow's Enqueue Call widget wait in a queue, hearing hold music, until one of its desk phones answers."
      action={
        <button type="button" className="btn btn-primary" onClick={d.add} data-testid="add-queue">
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
          {d.editing && <QueueForm queue={formItem(d.editing)} onClose={d.closeForm} onSaved={d.saved} />}
          <RemoveDialog
            dialogs={d}
            title={(q) => `Remove queue “${q.friendly_name}”?`}
            message={(q) =>
              q.current_size > 0
                ? `${q.current_size} caller${q.current_size === 1 ? ' is' : 's are'} waiting in it: they keep waiting until they leave. The next caller of an Enqueue Call widget naming it creates it again, with no agents.`
                : 'Nobody is waiting in it. The next caller of an Enqueue Call widget naming it creates it again, with no agents.'
            }
            remove={(q) => deleteQueue(q.sid)}
          />
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
              <RowActions noun="queue" label={`queue ${q.friendly_name}`} onEdit={() => d.edit(q)} onRemove={() => d.askRemove(q)} />
            </tr>
          ))}
        </tbody>
      </table>
    </SettingsSection>
  )
}

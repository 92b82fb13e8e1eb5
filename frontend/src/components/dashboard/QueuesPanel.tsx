import { useEffect, useRef, useState } from 'react'
import type { QueueLive } from '../../api/queues'
import { watchQueues } from '../../api/queues'
import { mergeQueueEvent, timed, type Timed } from '../../model/queues'
import '../queues/queues.css'
import { QueueTile } from './QueueTile'

interface Props {
  /** The dashboard's latest reading of the queues. */
  queues: QueueLive[]
}

/** The call queues, live: the dashboard's periodic reading, queue.updated events in between, waits ticking each second. */
export function QueuesPanel({ queues }: Props) {
  const [list, setList] = useState<Timed<QueueLive>[]>(() => timed(queues, Date.now()))
  const [now, setNow] = useState(() => Date.now())
  const first = useRef(true)
  useEffect(() => {
    // each reading replaces what events built up (a removed queue goes)
    if (first.current) {
      first.current = false
      return
    }
    setList(timed(queues, Date.now()))
  }, [queues])
  useEffect(() => {
    const stop = watchQueues((data) => setList((l) => mergeQueueEvent(l, data, Date.now(), (live) => ({ ...live, at: 0 }))))
    const t = window.setInterval(() => setNow(Date.now()), 1000)
    return () => {
      stop()
      window.clearInterval(t)
    }
  }, [])
  return (
    <section className="dashboard-section queues-panel" data-testid="queues-panel">
      <h2>Queues</h2>
      {list.length === 0 ? (
        <p className="muted small">
          No call queues. Add one in Settings → Call queues; callers of an Enqueue Call widget then wait there for a desk phone.
        </p>
      ) : (
        <div className="queue-grid">
          {list.map((q) => (
            <QueueTile key={q.sid} queue={q} now={now} />
          ))}
        </div>
      )}
    </section>
  )
}

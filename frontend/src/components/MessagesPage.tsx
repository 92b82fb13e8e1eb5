import { useCallback, useEffect, useMemo, useState } from 'react'
import { listGateways, listMessages, type Gateway, type Message } from '../api/messaging'
import { fromChoices } from '../model/messaging'
import { MessageRow } from './messages/MessageRow'
import { SendMessageDialog } from './messages/SendMessageDialog'
import './settings/settings.css'
import './messages/messages.css'

/** Messages a page at a time; "Older" shows this many more. */
const pageSize = 50
/** The list is re-read this often while the tab is shown. */
const refreshMs = 3000

/** #/messages: every SMS sent and received, newest first, live; filters; a test message. */
export function MessagesPage() {
  const [size, setSize] = useState(pageSize)
  const [number, setNumber] = useState('')
  const [applied, setApplied] = useState('')
  const [gatewaySid, setGatewaySid] = useState('')
  const [messages, setMessages] = useState<Message[] | null>(null)
  const [more, setMore] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [gateways, setGateways] = useState<Gateway[]>([])
  const [sending, setSending] = useState(false)
  const [now, setNow] = useState(() => Date.now())

  // The number filter applies once typing pauses.
  useEffect(() => {
    const t = window.setTimeout(() => setApplied(number.trim()), 400)
    return () => window.clearTimeout(t)
  }, [number])
  const load = useCallback(async () => {
    try {
      const r = await listMessages(size, { number: applied, gatewaySid })
      setMessages(r.messages)
      setMore(r.more)
      setError(null)
    } catch (x) {
      setError(x instanceof Error ? x.message : String(x))
    }
  }, [size, applied, gatewaySid])
  useEffect(() => {
    void load()
    const t = window.setInterval(() => {
      if (document.visibilityState !== 'hidden') {
        setNow(Date.now())
        void load()
      }
    }, refreshMs)
    return () => window.clearInterval(t)
  }, [load])
  useEffect(() => {
    listGateways().then(
      (r) => setGateways(r.gateways),
      () => setGateways([]),
    )
  }, [])
  const names = useMemo(() => new Map(gateways.map((g) => [g.sid, g.friendly_name])), [gateways])
  const froms = useMemo(() => fromChoices(gateways), [gateways])
  const filtered = applied !== '' || gatewaySid !== ''

  return (
    <main className="page messages-page" data-testid="messages-page">
      <div className="page-head">
        <h1>Messages</h1>
        <button type="button" className="btn btn-primary" onClick={() => setSending(true)} data-testid="open-send">
          Send a test message
        </button>
      </div>
      <div className="messages-filters">
        <input
          type="search"
          value={number}
          onChange={(e) => setNumber(e.target.value)}
          placeholder="Filter by number (from or to)"
          aria-label="Filter by number"
          data-testid="filter-number"
        />
        <select value={gatewaySid} onChange={(e) => setGatewaySid(e.target.value)} aria-label="Filter by gateway" data-testid="filter-gateway">
          <option value="">All gateways</option>
          {gateways.map((g) => (
            <option key={g.sid} value={g.sid}>
              {g.friendly_name}
            </option>
          ))}
        </select>
        <span className="muted small">Live: refreshed every few seconds.</span>
      </div>
      {error && (
        <p className="error-box" role="alert">
          {error}
        </p>
      )}
      {messages === null && !error && <p className="muted">Loading messages…</p>}
      {messages !== null && messages.length === 0 && (
        <div className="empty" data-testid="messages-empty">
          {filtered ? (
            <p>No message matches these filters.</p>
          ) : gateways.length === 0 ? (
            <>
              <p>
                <strong>No messages yet, and no SMS gateway.</strong>
              </p>
              <p className="muted">
                Add one under <a href="#/settings">Settings → Messaging</a> (a USB modem with a SIM is the simplest), then send a test message
                from here.
              </p>
            </>
          ) : (
            <p>No messages yet. Send a test message, or text one of your gateways' numbers.</p>
          )}
        </div>
      )}
      {messages !== null && messages.length > 0 && (
        <table className="flows-table messages-table">
          <thead>
            <tr>
              <th>When</th>
              <th>Way</th>
              <th>From → To</th>
              <th>Message</th>
              <th>Status</th>
              <th>Gateway</th>
              <th>Flow</th>
            </tr>
          </thead>
          <tbody>
            {messages.map((m) => (
              <MessageRow key={m.sid} message={m} gatewayName={names.get(m.gateway_sid) ?? ''} now={now} />
            ))}
          </tbody>
        </table>
      )}
      {more && (
        <div className="messages-more">
          <button type="button" className="btn" onClick={() => setSize((s) => Math.min(s + pageSize, 1000))} disabled={size >= 1000} data-testid="older">
            {size >= 1000 ? 'Showing the newest 1,000: narrow with the filters' : 'Older'}
          </button>
        </div>
      )}
      {sending && (
        <SendMessageDialog
          froms={froms}
          onClose={() => setSending(false)}
          onSent={(m) => {
            setSending(false)
            setMessages((l) => [m, ...(l ?? []).filter((x) => x.sid !== m.sid)])
            void load()
          }}
        />
      )}
    </main>
  )
}

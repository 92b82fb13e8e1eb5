import { useState } from 'react'
import type { Message } from '../../api/messaging'
import { relativeTime } from '../../format'
import { messageStatusKind } from '../../model/messaging'
import { executionHref } from '../../route'

interface Props {
  message: Message
  gatewayName: string
  now: number
}

/** One message: when, which way, who, the text (clipped; a click shows it all), status, error, gateway, execution. */
export function MessageRow({ message: m, gatewayName, now }: Props) {
  const [open, setOpen] = useState(false)
  const inbound = m.direction === 'inbound'
  const when = m.date_sent ?? m.date_created
  return (
    <tr data-testid="message-row" data-sid={m.sid} data-status={m.status}>
      <td className="small nowrap" title={when}>
        {relativeTime(when, now)}
      </td>
      <td className="small nowrap">
        <span className={inbound ? 'dir dir-in' : 'dir dir-out'} title={inbound ? 'Received' : m.direction === 'outbound-reply' ? 'Sent as a reply' : 'Sent'}>
          {inbound ? '↙ in' : '↗ out'}
        </span>
      </td>
      <td className="small mono nowrap">
        {m.from} → {m.to}
      </td>
      <td className="message-body">
        <button type="button" className={open ? 'body-text open' : 'body-text'} title={open ? undefined : m.body} onClick={() => setOpen((o) => !o)} aria-expanded={open}>
          {m.body}
        </button>
        {Number(m.num_segments) > 1 && <div className="muted small">{m.num_segments} parts</div>}
      </td>
      <td>
        <span className={`badge status-${messageStatusKind(m.status)}`} data-testid="message-status">
          {m.status}
        </span>
        {(m.error_code !== null || m.error_message) && (
          <div className="small error-text" data-testid="message-error">
            {m.error_code !== null && <strong>{m.error_code} </strong>}
            {m.error_message}
          </div>
        )}
      </td>
      <td className="small">{gatewayName || <span className="muted">—</span>}</td>
      <td className="small">
        {m.execution_sid && m.flow_sid ? (
          <a href={executionHref(m.flow_sid, m.execution_sid)} title={`Open execution ${m.execution_sid} in its flow`}>
            execution
          </a>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
    </tr>
  )
}

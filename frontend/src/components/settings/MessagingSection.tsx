import { useEffect, useState } from 'react'
import { deleteGateway, listGatewayKinds, listGateways, type Gateway, type GatewayKind, type Unroutable } from '../../api/messaging'
import { mergeGatewayEvent, unsettled } from '../../model/messaging'
import { GatewayForm } from './GatewayForm'
import { GatewayHealth } from './GatewayHealth'
import { InboundUrl } from './InboundUrl'
import { RemoveDialog } from './RemoveDialog'
import { RowActions } from './RowActions'
import { SettingsSection } from './SettingsSection'
import { formItem, useItemDialogs } from './useItemDialogs'
import { useLiveList } from './useLiveList'
import type { VoiceEvent } from './voiceEvent'

/** SMS gateways (USB modems, SMPP, HTTP): their numbers and live health. */
export function MessagingSection({ events }: { events: VoiceEvent[] }) {
  const [unroutable, setUnroutable] = useState<Unroutable>({ messages: 0, from: [] })
  const [kinds, setKinds] = useState<GatewayKind[]>([])
  const {
    items: gateways,
    error,
    setError,
    reload,
  } = useLiveList<Gateway>({
    read: async () => {
      const r = await listGateways()
      setUnroutable(r.unroutable)
      return r.gateways
    },
    live: { events, kind: 'gateway', merge: mergeGatewayEvent },
    unsettled,
  })
  useEffect(() => {
    listGatewayKinds().then(setKinds, setError)
  }, [setError])
  const d = useItemDialogs<Gateway>(reload)

  const kindTitle = (name: string) => kinds.find((k) => k.name === name)?.title ?? name
  return (
    <SettingsSection
      id="messaging"
      title="Messaging"
      lead="SMS gateways: what sends and receives your text messages. Changes apply at once."
      action={
        <button type="button" className="btn btn-primary" onClick={d.add} disabled={!kinds.length} data-testid="add-gateway">
          Add gateway
        </button>
      }
      error={error}
      loading={gateways === null}
      empty={
        gateways?.length === 0 ? (
          <>
            <p>
              <strong>No gateway yet.</strong> Plug in a USB modem with a SIM card and add it here, or connect an SMPP account or an HTTP
              gateway.
            </p>
            <p className="muted">Then give it your number, route the number to a flow under Phone numbers, and text it.</p>
          </>
        ) : null
      }
      overlays={
        <>
          {d.editing && <GatewayForm kinds={kinds} gateway={formItem(d.editing)} onClose={d.closeForm} onSaved={d.saved} />}
          <RemoveDialog
            dialogs={d}
            title={(g) => `Remove gateway “${g.friendly_name}”?`}
            message={() => 'Switchboard stops it now and sends or receives nothing more through it.'}
            remove={(g) => deleteGateway(g.sid)}
          />
        </>
      }
    >
      {unroutable.messages > 0 && (
        <p className="notice-box small" data-testid="unroutable">
          {unroutable.messages} message{unroutable.messages === 1 ? '' : 's'} in the last day could not be sent: no gateway
          owns {unroutable.from.length === 1 ? 'the number' : 'the numbers'} {unroutable.from.join(', ')} they were sent
          from. Add {unroutable.from.length === 1 ? 'it' : 'them'} to a gateway's numbers, or give one gateway * to send
          for every number.
        </p>
      )}
      <table className="flows-table settings-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Numbers</th>
            <th>Status</th>
            <th className="sr-only-text">Actions</th>
          </tr>
        </thead>
        <tbody>
          {gateways?.map((g) => (
            <tr key={g.sid} data-testid="gateway-row" data-name={g.friendly_name} data-sid={g.sid}>
              <td>
                <span className="flow-name">{g.friendly_name}</span>
                <span className="muted small"> · {kindTitle(g.kind)}</span>
                {g.rate_per_minute > 0 && <div className="muted small">at most {g.rate_per_minute} a minute</div>}
                {g.inbound_url && <InboundUrl url={g.inbound_url} />}
              </td>
              <td className="small">
                {g.addresses.length ? (
                  g.addresses.map((a) => (
                    <div key={a} className="mono">
                      {a === '*' ? '* (every other number)' : a}
                    </div>
                  ))
                ) : (
                  <span className="muted">none yet — Edit to add one</span>
                )}
              </td>
              <td>
                <GatewayHealth gateway={g} />
              </td>
              <RowActions noun="gateway" label={`gateway ${g.friendly_name}`} onEdit={() => d.edit(g)} onRemove={() => d.askRemove(g)} />
            </tr>
          ))}
        </tbody>
      </table>
    </SettingsSection>
  )
}

import { useState } from 'react'
import { client, type Flow } from '../../api/client'
import { deleteNumber, listNumbers, setNumberFlow, type PhoneNumber } from '../../api/settings'
import { flowOfNumber } from '../../model/settings'
import { flowHref } from '../../route'
import { FlowSelect } from './FlowSelect'
import { NumberForm } from './NumberForm'
import { RemoveDialog } from './RemoveDialog'
import { RowActions } from './RowActions'
import { SettingsSection } from './SettingsSection'
import { useItemDialogs } from './useItemDialogs'
import { useLiveList } from './useLiveList'

/** Phone numbers and SIP users, each routed to a flow (calls and messages). */
export function NumbersSection() {
  const [flows, setFlows] = useState<Flow[]>([])
  const {
    items: numbers,
    setItems: setNumbers,
    error,
    setError,
    reload,
  } = useLiveList<PhoneNumber>({
    read: async () => {
      const [ns, fs] = await Promise.all([listNumbers(), client.listFlows()])
      setFlows(fs.sort((a, b) => a.friendly_name.localeCompare(b.friendly_name)))
      return ns.sort((a, b) => a.phone_number.localeCompare(b.phone_number))
    },
  })
  const [saving, setSaving] = useState<string | null>(null)
  const [saved, setSaved] = useState<string | null>(null)

  const route = async (n: PhoneNumber, flowSid: string) => {
    setSaving(n.sid)
    setSaved(null)
    try {
      const out = await setNumberFlow(n.sid, flowSid)
      setNumbers((l) => (l ? l.map((x) => (x.sid === n.sid ? out : x)) : l))
      setSaved(n.sid)
      setError(null)
    } catch (x) {
      setError(`${n.phone_number}: ${x instanceof Error ? x.message : String(x)}`)
    } finally {
      setSaving(null)
    }
  }

  const d = useItemDialogs<PhoneNumber>(reload)

  return (
    <SettingsSection
      id="numbers"
      title="Phone numbers"
      lead="The flow each dialled number (or SIP user) starts. A change applies to the next call."
      error={error}
      loading={numbers === null}
      empty={null}
      overlays={
        <RemoveDialog
          dialogs={d}
          title={(n) => `Remove ${n.phone_number}?`}
          message={(n) =>
            `Calls to it are refused (SIP 404), and messages to it are kept but start no flow. ${n.friendly_name !== n.phone_number ? `Its name “${n.friendly_name}” goes with it.` : ''}`.trim()
          }
          remove={(n) => deleteNumber(n.sid)}
        />
      }
    >
      {numbers !== null && numbers.length > 0 && (
        <table className="flows-table settings-table">
          <thead>
            <tr>
              <th>Number</th>
              <th>Name</th>
              <th>Flow</th>
              <th className="sr-only-text">Actions</th>
            </tr>
          </thead>
          <tbody>
            {numbers.map((n) => {
              const flow = flowOfNumber(n.voice_url)
              return (
                <tr key={n.sid} data-testid="number-row" data-number={n.phone_number}>
                  <td className="mono">{n.phone_number}</td>
                  <td className="small">{n.friendly_name !== n.phone_number ? n.friendly_name : ''}</td>
                  <td>
                    <span className="flow-cell">
                      <FlowSelect
                        id={`number-flow-${n.sid}`}
                        label={`Flow for ${n.phone_number}`}
                        flows={flows}
                        value={flow}
                        disabled={saving === n.sid}
                        onChange={(f) => void route(n, f)}
                      />
                      {flow && (
                        <a href={flowHref(flow)} className="small">
                          Open
                        </a>
                      )}
                      {saved === n.sid && <span className="small ok-text">Saved</span>}
                    </span>
                  </td>
                  <RowActions noun="number" label={n.phone_number} onRemove={() => d.askRemove(n)} />
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
      <NumberForm flows={flows} onSaved={() => void reload()} />
    </SettingsSection>
  )
}

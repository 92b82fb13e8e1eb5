import { deleteTrunk, listTrunks, type Trunk } from '../../api/settings'
import { mergeTrunkEvent } from '../../model/settings'
import { SettingsSection } from './SettingsSection'
import { TrunkForm } from './TrunkForm'
import { RemoveDialog } from './RemoveDialog'
import { RowActions } from './RowActions'
import { TrunkStatusBadge } from './TrunkStatusBadge'
import { formItem, useItemDialogs } from './useItemDialogs'
import { useLiveList } from './useLiveList'
import type { VoiceEvent } from './voiceEvent'

interface Props {
  events: VoiceEvent[]
  now: number
}

/** SIP trunks we register with: their settings and live registration state. */
export function TrunksSection({ events, now }: Props) {
  const { items: trunks, error, reload } = useLiveList<Trunk>({
    read: listTrunks,
    live: { events, kind: 'trunk', merge: mergeTrunkEvent },
    unsettled: (l) => l.some((t) => t.status === 'registering' || t.status === 'failed'),
  })
  const d = useItemDialogs<Trunk>(reload)

  return (
    <SettingsSection
      id="trunks"
      title="Trunks"
      lead="SIP providers and PBXs Switchboard registers with. Changes apply at once."
      action={
        <button type="button" className="btn btn-primary" onClick={d.add} data-testid="add-trunk">
          Add trunk
        </button>
      }
      error={error}
      loading={trunks === null}
      empty={trunks?.length === 0 ? 'No trunks yet: calls come only from allowed networks and desk phones.' : null}
      overlays={
        <>
          {d.editing && <TrunkForm trunk={formItem(d.editing)} onClose={d.closeForm} onSaved={d.saved} />}
          <RemoveDialog
            dialogs={d}
            title={(t) => `Remove trunk “${t.friendly_name}”?`}
            message={() => 'Switchboard unregisters from it now and takes no more calls from it.'}
            remove={(t) => deleteTrunk(t.sid)}
          />
        </>
      }
    >
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
          {trunks?.map((t) => (
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
              <RowActions noun="trunk" label={`trunk ${t.friendly_name}`} onEdit={() => d.edit(t)} onRemove={() => d.askRemove(t)} />
            </tr>
          ))}
        </tbody>
      </table>
    </SettingsSection>
  )
}

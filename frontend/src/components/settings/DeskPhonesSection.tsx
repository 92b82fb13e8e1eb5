import { useEffect, useState } from 'react'
import { deleteCredential, listCredentialLists, listCredentials, sipAddress, type Credential, type CredentialList } from '../../api/settings'
import { mergeRegistrationEvent } from '../../model/settings'
import { DeskPhoneForm } from './DeskPhoneForm'
import { RemoveDialog } from './RemoveDialog'
import { RowActions } from './RowActions'
import { SettingsSection } from './SettingsSection'
import { formItem, useItemDialogs } from './useItemDialogs'
import { useLiveList } from './useLiveList'
import type { VoiceEvent } from './voiceEvent'

interface Props {
  events: VoiceEvent[]
}

/** Desk phones and softphones that may register with Switchboard, and which are registered now. */
export function DeskPhonesSection({ events }: Props) {
  const [lists, setLists] = useState<CredentialList[]>([])
  const { items: phones, error, reload } = useLiveList<Credential>({
    read: async () => {
      const ls = await listCredentialLists()
      const all = (await Promise.all(ls.map((l) => listCredentials(l.sid)))).flat()
      setLists(ls)
      return all.sort((a, b) => a.username.localeCompare(b.username))
    },
    live: { events, kind: 'registration', merge: mergeRegistrationEvent },
  })
  const d = useItemDialogs<Credential>(reload)
  const [address, setAddress] = useState<string | null>(null)
  useEffect(() => {
    sipAddress().then(setAddress, () => setAddress(null))
  }, [])

  const listName = (sid: string) => lists.find((l) => l.sid === sid)?.friendly_name ?? sid

  return (
    <SettingsSection
      id="phones"
      title="Desk phones"
      lead="Phones and softphones register with Switchboard's SIP address using these usernames; their calls are then taken."
      detail={
        address && (
          <p className="small" data-testid="sip-address">
            Register to <code>{address}</code> (UDP or TCP) — for example <code>sip:USERNAME@{address}</code>.
          </p>
        )
      }
      action={
        <button type="button" className="btn btn-primary" onClick={d.add} data-testid="add-phone">
          Add desk phone
        </button>
      }
      error={error}
      loading={phones === null}
      empty={phones?.length === 0 ? 'No desk phones yet.' : null}
      overlays={
        <>
          {d.editing && <DeskPhoneForm lists={lists} phone={formItem(d.editing)} onClose={d.closeForm} onSaved={d.saved} />}
          <RemoveDialog
            dialogs={d}
            title={(p) => `Remove desk phone ${p.username}?`}
            message={() => 'Its registration ends now and its calls are no longer taken.'}
            remove={(p) => deleteCredential(p.credential_list_sid, p.sid)}
          />
        </>
      }
    >
      <table className="flows-table settings-table">
        <thead>
          <tr>
            <th>Username</th>
            <th>List</th>
            <th>Registration</th>
            <th className="sr-only-text">Actions</th>
          </tr>
        </thead>
        <tbody>
          {phones?.map((p) => (
            <tr key={p.sid} data-testid="phone-row" data-username={p.username}>
              <td>
                <span className="flow-name mono">{p.username}</span>
              </td>
              <td className="small">{listName(p.credential_list_sid)}</td>
              <td data-testid="phone-status" data-registered={p.registration ? 'yes' : 'no'}>
                {p.registration ? (
                  <span className="status-cell">
                    <span className="badge status-ok">Registered</span>
                    <span className="status-detail muted mono">{p.registration.contact}</span>
                  </span>
                ) : (
                  <span className="badge status-off">Not registered</span>
                )}
              </td>
              <RowActions noun="phone" label={`desk phone ${p.username}`} editText="Change password" onEdit={() => d.edit(p)} onRemove={() => d.askRemove(p)} />
            </tr>
          ))}
        </tbody>
      </table>
    </SettingsSection>
  )
}

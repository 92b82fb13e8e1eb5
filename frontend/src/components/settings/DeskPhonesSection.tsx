import { useEffect, useState } from 'react'
import { deleteCredential, listCredentialLists, listCredentials, sipAddress, type Credential, type CredentialList } from '../../api/settings'
import { mergeRegistrationEvent } from '../../model/settings'
import { ConfirmDialog } from '../ConfirmDialog'
import { DeskPhoneForm } from './DeskPhoneForm'
import { SettingsSection } from './SettingsSection'
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
  const [form, setForm] = useState<Credential | 'new' | null>(null)
  const [removing, setRemoving] = useState<Credential | null>(null)
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
        <button type="button" className="btn btn-primary" onClick={() => setForm('new')} data-testid="add-phone">
          Add desk phone
        </button>
      }
      error={error}
      loading={phones === null}
      empty={phones?.length === 0 ? 'No desk phones yet.' : null}
      overlays={
        <>
          {form && (
            <DeskPhoneForm
              lists={lists}
              phone={form === 'new' ? undefined : form}
              onClose={() => setForm(null)}
              onSaved={() => {
                setForm(null)
                void reload()
              }}
            />
          )}
          {removing && (
            <ConfirmDialog
              title={`Remove desk phone ${removing.username}?`}
              message="Its registration ends now and its calls are no longer taken."
              confirmText="Remove"
              onClose={() => setRemoving(null)}
              onConfirm={async () => {
                await deleteCredential(removing.credential_list_sid, removing.sid)
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
              <td className="row-actions">
                <button type="button" className="btn btn-small" onClick={() => setForm(p)}>
                  Change password
                </button>
                <button type="button" className="btn btn-small btn-danger-quiet" onClick={() => setRemoving(p)}>
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

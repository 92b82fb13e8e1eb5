import { useMemo, useState, type FormEvent } from 'react'
import { createGateway, updateGateway, type Gateway, type GatewayKind } from '../../api/messaging'
import { buildSettings, schemaForm, settingsErrors, valuesOf, type FormValues } from '../../model/schemaForm'
import { fieldError } from '../../model/settings'
import { Dialog } from '../Dialog'
import { AddressesInput } from './AddressesInput'
import { InboundUrl } from './InboundUrl'
import { KindPicker } from './KindPicker'
import { SchemaFields } from './SchemaFields'
import { TextField } from './TextField'

interface Props {
  kinds: GatewayKind[]
  /** The gateway to edit; absent for a new one. */
  gateway?: Gateway
  onSaved: (g: Gateway) => void
  onClose: () => void
}

/** Adds (kind first, then its settings) or edits an SMS gateway; the settings form is generated from the kind's JSON Schema. */
export function GatewayForm({ kinds, gateway, onSaved, onClose }: Props) {
  const [kind, setKind] = useState<GatewayKind | null>(() => (gateway ? (kinds.find((k) => k.name === gateway.kind) ?? null) : null))
  const form = useMemo(() => schemaForm(kind?.schema), [kind])
  const [values, setValues] = useState<FormValues>(() => valuesOf(form, gateway?.settings ?? {}))
  const [name, setName] = useState(gateway?.friendly_name ?? '')
  const [addresses, setAddresses] = useState<string[]>(gateway?.addresses ?? [])
  const [enabled, setEnabled] = useState(gateway?.enabled ?? true)
  const [rate, setRate] = useState(String(gateway?.rate_per_minute ?? 0))
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [busy, setBusy] = useState(false)
  const secretsSet = gateway?.secrets_set ?? []

  const pick = (k: GatewayKind) => {
    setKind(k)
    setValues(valuesOf(schemaForm(k.schema), {}))
  }

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    if (!kind) return
    const built = buildSettings(form, values, secretsSet)
    if (Object.keys(built.errors).length) {
      setErrors({ ...built.errors, '': 'Some settings need a look: see the fields marked in red.' })
      return
    }
    setBusy(true)
    setErrors({})
    const input = {
      Kind: kind.name,
      FriendlyName: name,
      Addresses: addresses.join(','),
      Settings: JSON.stringify(built.settings),
      Enabled: String(enabled),
      RatePerMinute: rate.trim() === '' ? '0' : rate.trim(),
    }
    try {
      onSaved(gateway ? await updateGateway(gateway.sid, input) : await createGateway(input))
    } catch (x) {
      const fe = fieldError(x, 'FriendlyName')
      setErrors(fe.field === 'Settings' ? settingsErrors(form, fe.message) : { [fe.field]: fe.message })
      setBusy(false)
    }
  }

  const title = gateway ? `Edit gateway “${gateway.friendly_name}”` : kind ? `Add a gateway: ${kind.title}` : 'Add an SMS gateway'
  return (
    <Dialog title={title} testId="gateway-form" onClose={onClose} wide>
      {!kind ? (
        <>
          <p className="muted small">What carries your messages? You can add more than one gateway and give each its numbers.</p>
          <KindPicker kinds={kinds} onPick={pick} />
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={onClose}>
              Cancel
            </button>
          </div>
        </>
      ) : (
        <form className="settings-form" onSubmit={submit} noValidate>
          <TextField
            label="Name"
            name="FriendlyName"
            value={name}
            onChange={setName}
            error={errors.FriendlyName}
            placeholder="e.g. Branch office"
            autoFocus={!gateway}
          />
          <AddressesInput value={addresses} onChange={setAddresses} error={errors.Addresses} />
          <h3 className="form-subhead">{kind.title} settings</h3>
          <SchemaFields
            form={form}
            fields={form.fields}
            values={values}
            onChange={(p, v) => setValues((old) => ({ ...old, [p]: v }))}
            errors={errors}
            secretsSet={secretsSet}
            top
          />
          <h3 className="form-subhead">Sending</h3>
          <div className="field-row">
            <TextField
              label="Rate limit (messages a minute)"
              name="RatePerMinute"
              type="number"
              value={rate}
              onChange={setRate}
              error={errors.RatePerMinute}
              hint="0: no limit. Some operators block a SIM that sends too fast."
            />
            <div className="field settings-field enabled-field">
              <label className="check-label" htmlFor="field-Enabled">
                <input id="field-Enabled" type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} data-testid="field-Enabled" />
                <span>Enabled</span>
                <span className="muted small">— off: kept, but sends and receives nothing</span>
              </label>
              {errors.Enabled && <span className="field-error">{errors.Enabled}</span>}
            </div>
          </div>
          {gateway?.inbound_url && (
            <div className="field settings-field">
              <span className="field-label">Inbound URL</span>
              <InboundUrl url={gateway.inbound_url} />
            </div>
          )}
          {(errors[''] || errors.Kind) && (
            <p className="error-box" role="alert" data-testid="gateway-form-error">
              {errors[''] || errors.Kind}
            </p>
          )}
          <div className="dialog-actions">
            {!gateway && (
              <button type="button" className="btn btn-quiet" onClick={() => setKind(null)}>
                ← Another kind
              </button>
            )}
            <button type="button" className="btn" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="btn btn-primary" disabled={busy} data-testid="gateway-save">
              {busy ? 'Saving…' : gateway ? 'Save' : 'Add gateway'}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  )
}

import { describe, expect, it } from 'vitest'
import { allFields, buildSettings, isRequired, isShown, schemaForm, settingsErrors, valuesOf } from './schemaForm'

// The shape of the http kind's schema (app/sms/httpgw/schema.go), trimmed.
const http = {
  type: 'object',
  required: ['preset'],
  properties: {
    preset: { title: 'Peer', type: 'string', enum: ['kannel', 'android', 'generic'], default: 'kannel' },
    base_url: { title: 'Peer URL', type: 'string' },
    password: { title: 'Password', type: 'string', writeOnly: true },
    timeout_seconds: { title: 'Request timeout (s)', type: 'integer', minimum: 1, maximum: 300, default: 15 },
    dlr_mask: { title: 'Kannel dlr-mask', description: 'Kannel only: which reports.', type: 'integer', default: 27 },
    signing_key: { title: 'Signing key', description: 'Android only: the key.', type: 'string', writeOnly: true },
    generic: {
      title: 'Generic template',
      description: 'Generic only. Placeholders…',
      type: 'object',
      required: ['url'],
      properties: {
        method: { type: 'string', enum: ['POST', 'GET'], default: 'POST' },
        url: { title: 'URL', type: 'string' },
        headers: { type: 'object', additionalProperties: { type: 'string' } },
        token: { type: 'string', writeOnly: true },
        success_status: { type: 'array', items: { type: 'integer' } },
      },
    },
    status_reports: { type: 'boolean', default: true },
    device: { type: 'string', examples: ['/dev/serial/by-id/usb-X'] },
  },
  allOf: [
    { if: { properties: { preset: { const: 'kannel' } } }, then: { required: ['base_url', 'password'] } },
    { if: { properties: { preset: { const: 'generic' } } }, then: { required: ['generic'] } },
  ],
}

describe('schemaForm', () => {
  const form = schemaForm(http)
  const by = (p: string) => allFields(form.fields).find((f) => f.path === p)!

  it('describes each property with its kind, default, options and placeholder', () => {
    expect(form.discriminator).toBe('preset')
    expect(by('preset')).toMatchObject({ kind: 'enum', options: ['kannel', 'android', 'generic'], default: 'kannel', required: true })
    expect(by('password').kind).toBe('secret')
    expect(by('timeout_seconds')).toMatchObject({ kind: 'integer', min: 1, max: 300 })
    expect(by('generic').kind).toBe('object')
    expect(by('generic.headers').kind).toBe('map')
    expect(by('generic.success_status').kind).toBe('numbers')
    expect(by('generic.url').required).toBe(true)
    expect(by('status_reports').kind).toBe('boolean')
    expect(by('device').placeholder).toBe('/dev/serial/by-id/usb-X')
  })

  it('shows preset-only fields for their preset and requires what if/then requires', () => {
    const v = valuesOf(form, {})
    expect(isShown(by('dlr_mask'), form, v)).toBe(true)
    expect(isShown(by('signing_key'), form, v)).toBe(false)
    expect(isShown(by('generic'), form, v)).toBe(false)
    expect(isRequired(by('base_url'), form, v)).toBe(true)
    const g = { ...v, preset: 'generic' }
    expect(isShown(by('generic'), form, g)).toBe(true)
    expect(isShown(by('dlr_mask'), form, g)).toBe(false)
    expect(isRequired(by('base_url'), form, g)).toBe(false)
    expect(isShown(by('base_url'), form, g)).toBe(true)
  })

  it('fills values from settings, defaults where unset', () => {
    const v = valuesOf(form, { preset: 'generic', generic: { url: 'http://x/{{to}}', headers: { A: 'b' }, success_status: [200, 202] } })
    expect(v).toMatchObject({ preset: 'generic', timeout_seconds: '15', 'generic.url': 'http://x/{{to}}', 'generic.method': 'POST' })
    expect(v['generic.headers']).toBe('A: b')
    expect(v['generic.success_status']).toBe('200, 202')
    expect(v['generic.token']).toBe('')
    expect(v.status_reports).toBe(true)
  })

  it('builds the settings: typed values, hidden fields and empty ones left out', () => {
    const v = { ...valuesOf(form, {}), preset: 'generic', 'generic.url': ' http://127.0.0.1:1/send ', 'generic.token': 's3cret', 'generic.headers': 'Authorization: Bearer {{token}}\n', 'generic.success_status': '200 202', dlr_mask: '5' }
    const { settings, errors } = buildSettings(form, v)
    expect(errors).toEqual({})
    expect(settings).toEqual({
      preset: 'generic',
      timeout_seconds: 15,
      status_reports: true,
      generic: { method: 'POST', url: 'http://127.0.0.1:1/send', headers: { Authorization: 'Bearer {{token}}' }, token: 's3cret', success_status: [200, 202] },
    })
  })

  it('leaves out an empty secret that is stored (kept), but requires one that is not', () => {
    const v = { ...valuesOf(form, { preset: 'kannel', base_url: 'http://k' }), password: '' }
    expect(buildSettings(form, v).errors).toEqual({ password: 'Required.' })
    const kept = buildSettings(form, v, ['password'])
    expect(kept.errors).toEqual({})
    expect(kept.settings).not.toHaveProperty('password')
  })

  it('refuses bad numbers and maps before sending', () => {
    const v = { ...valuesOf(form, {}), base_url: 'http://k', password: 'p', timeout_seconds: '2.5', preset: 'kannel' }
    expect(buildSettings(form, v).errors).toEqual({ timeout_seconds: 'A whole number.' })
    expect(buildSettings(form, { ...v, timeout_seconds: '301' }).errors).toEqual({ timeout_seconds: 'At most 300.' })
    const g = { ...v, timeout_seconds: '15', preset: 'generic', 'generic.url': 'u', 'generic.headers': 'no colon', 'generic.success_status': '200, x' }
    expect(buildSettings(form, g).errors).toEqual({ 'generic.headers': '“no colon” is not Name: value.', 'generic.success_status': 'Numbers separated by commas, e.g. 200, 202.' })
  })

  it("places the API's refusal at the field each line names", () => {
    expect(settingsErrors(form, 'httpgw: generic.url is required\nhttpgw: timeout_seconds must be between 1 and 300\nsomething else')).toEqual({
      'generic.url': 'httpgw: generic.url is required',
      timeout_seconds: 'httpgw: timeout_seconds must be between 1 and 300',
      '': 'something else',
    })
    expect(settingsErrors(form, 'modem settings: device: required')).toEqual({ device: 'modem settings: device: required' })
  })
})

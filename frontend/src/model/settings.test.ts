import { describe, expect, it } from 'vitest'
import type { Credential, Trunk } from '../api/settings'
import { draftOf, emptyTrunk, fieldError, flowOfNumber, inWords, mergeRegistrationEvent, mergeTrunkEvent, trunkBadge, trunkInput } from './settings'

const trunk: Trunk = {
  sid: 'TK1',
  friendly_name: 'carrier',
  registrar: 'sip.example.com:5060',
  username: 'ivr',
  password_set: true,
  domain: '',
  requested_expires: 3600,
  transport: 'udp',
  tls_ca_file: '',
  tls_insecure_skip_verify: false,
  numbers: ['+15550001111'],
  source: 'api',
  status: 'registering',
  last_error: null,
  next_refresh: null,
  expires: 0,
  date_created: '2026-01-01T00:00:00Z',
  date_updated: '2026-01-01T00:00:00Z',
  srtp: 'optional',
}

describe('fieldError', () => {
  it('names the parameter of missing and invalid answers', () => {
    expect(fieldError({ status: 400, message: 'Missing required parameter Registrar in the post body' })).toEqual({
      field: 'Registrar',
      message: 'Missing required parameter Registrar in the post body',
    })
    expect(fieldError({ status: 400, message: 'Invalid parameter Expires: must be 30-86400 seconds' })).toEqual({
      field: 'Expires',
      message: 'must be 30-86400 seconds',
    })
  })
  it('puts a conflict on the unique field, anything else on the form', () => {
    expect(fieldError({ status: 409, message: 'taken' }, 'FriendlyName').field).toBe('FriendlyName')
    expect(fieldError({ status: 500, message: 'Internal error' }, 'FriendlyName')).toEqual({ field: '', message: 'Internal error' })
    expect(fieldError(new Error('Cannot reach Switchboard')).field).toBe('')
  })
})

describe('trunk forms', () => {
  it('leaves a blank password out when editing, sends it when creating', () => {
    const d = draftOf(trunk)
    expect(d.Password).toBe('')
    expect(trunkInput(d, true)).not.toHaveProperty('Password')
    expect(trunkInput({ ...d, Password: 'new' }, true).Password).toBe('new')
    expect(trunkInput(emptyTrunk(), false)).toHaveProperty('Password', '')
    expect(d.Numbers).toBe('+15550001111')
  })
  it('sends the CA file with TLS only', () => {
    const d = { ...draftOf(trunk), TlsCaFile: '/etc/ca.pem' }
    expect(trunkInput(d, true)).not.toHaveProperty('TlsCaFile')
    expect(trunkInput({ ...d, Transport: 'tls' }, true).TlsCaFile).toBe('/etc/ca.pem')
    expect(draftOf({ ...trunk, transport: 'tls', tls_ca_file: '/etc/x.pem' })).toMatchObject({ Transport: 'tls', TlsCaFile: '/etc/x.pem' })
  })
  it('keeps the SRTP policy; a new trunk starts with it off', () => {
    expect(trunkInput(draftOf(trunk), true).Srtp).toBe('optional')
    expect(trunkInput(emptyTrunk(), false).Srtp).toBe('off')
  })
})

describe('trunkBadge', () => {
  const now = Date.parse('2026-01-01T00:00:00Z')
  it('tells registered, failing with the error and retry, and IP trunks apart', () => {
    expect(trunkBadge({ ...trunk, status: 'registered', next_refresh: '2026-01-01T00:00:45Z' }, now)).toEqual({
      kind: 'ok',
      label: 'Registered',
      detail: 'refresh in 45 s',
    })
    const f = trunkBadge({ ...trunk, status: 'failed', last_error: 'REGISTER: 403 Forbidden', next_refresh: '2026-01-01T00:04:00Z' }, now)
    expect(f).toEqual({ kind: 'failed', label: 'Failing', detail: 'REGISTER: 403 Forbidden · retry in 4 min' })
    expect(trunkBadge({ ...trunk, status: 'unregistered', username: '' }, now).label).toBe('IP trunk')
    expect(trunkBadge({ ...trunk, status: 'unregistered' }, now).label).toBe('Not registered')
  })
  it('words times', () => {
    expect(inWords(null, now)).toBe('')
    expect(inWords('2026-01-01T00:00:00Z', now)).toBe('now')
    expect(inWords('2026-01-01T03:00:00Z', now)).toBe('in 3 h')
  })
})

describe('live merges', () => {
  it('applies a trunk event to its trunk only', () => {
    const other = { ...trunk, sid: 'TK2' }
    const out = mergeTrunkEvent([trunk, other], { sid: 'TK1', status: 'failed', last_error: 'timeout', next_refresh: '2026-01-01T00:00:02Z' })
    expect(out[0]).toMatchObject({ status: 'failed', last_error: 'timeout' })
    expect(out[1]).toBe(other)
    expect(mergeTrunkEvent([trunk], { sid: 'TK1', status: 'removed' })).toEqual([trunk])
  })
  it('sets and clears a desk phone registration', () => {
    const c: Credential = { sid: 'CR1', credential_list_sid: 'CL1', username: 'desk1', password_set: true, date_created: '', registration: null }
    const on = mergeRegistrationEvent([c], { username: 'desk1', registered: true, contact: 'sip:desk1@127.0.0.1:5080', source: '127.0.0.1:5080', expires: 'x' })
    expect(on[0]?.registration?.contact).toBe('sip:desk1@127.0.0.1:5080')
    expect(mergeRegistrationEvent(on, { username: 'desk1', registered: false })[0]?.registration).toBeNull()
  })
  it('finds the flow in a voice URL', () => {
    expect(flowOfNumber('http://h/v1/Accounts/AC1/Flows/FW0123456789abcdef0123456789abcdef')).toBe('FW0123456789abcdef0123456789abcdef')
    expect(flowOfNumber('')).toBe('')
  })
})

// Plain logic of the settings page (no React): field errors from API
// answers, trunk status badges, live updates merged into lists.

import type { Credential, Trunk, TrunkInput } from '../api/settings'

export interface FieldError {
  /** The form field (the API parameter name), or '' for the form as a whole. */
  field: string
  message: string
}

/**
 * The field an API error is about: Twilio's "Missing required parameter X"
 * and "Invalid parameter X: …" name it; a 409 is about the unique field
 * (conflictField).
 */
export function fieldError(err: unknown, conflictField = ''): FieldError {
  const e = err as { message?: unknown; status?: unknown; parameter?: unknown }
  const message = typeof e?.message === 'string' ? e.message : String(err)
  if (typeof e?.parameter === 'string' && e.parameter !== '')
    return { field: e.parameter, message: message.replace(new RegExp(`^Invalid parameter ${e.parameter}: `), '') }
  const m = /(?:Missing required parameter|Invalid parameter) ([A-Za-z]+)/.exec(message)
  if (m && m[1]) return { field: m[1], message: message.replace(/^Invalid parameter [A-Za-z]+: /, '') }
  if (e?.status === 409 && conflictField) return { field: conflictField, message }
  return { field: '', message }
}

export interface TrunkDraft {
  FriendlyName: string
  Registrar: string
  Username: string
  /** '' keeps the stored password (it is never shown). */
  Password: string
  Expires: string
  Transport: 'udp' | 'tcp' | 'tls'
  /** TLS only: a PEM file on the appliance; '' uses the system roots. */
  TlsCaFile: string
  Numbers: string
  Srtp: 'off' | 'optional' | 'required'
}

export function emptyTrunk(): TrunkDraft {
  return { FriendlyName: '', Registrar: '', Username: '', Password: '', Expires: '3600', Transport: 'udp', TlsCaFile: '', Numbers: '', Srtp: 'off' }
}

export function draftOf(t: Trunk): TrunkDraft {
  return {
    FriendlyName: t.friendly_name,
    Registrar: t.registrar,
    Username: t.username,
    Password: '',
    Expires: String(t.requested_expires),
    Transport: t.transport,
    TlsCaFile: t.tls_ca_file ?? '',
    Numbers: t.numbers.join(', '),
    Srtp: t.srtp ?? 'off',
  }
}

/**
 * The form to send: a blank password is left out (kept) when editing; the
 * CA file goes only with TLS (the field is hidden otherwise).
 */
export function trunkInput(d: TrunkDraft, editing: boolean): TrunkInput {
  const input: TrunkInput = {
    FriendlyName: d.FriendlyName,
    Registrar: d.Registrar,
    Username: d.Username,
    Expires: d.Expires,
    Transport: d.Transport,
    Numbers: d.Numbers,
    Srtp: d.Srtp,
  }
  if (!editing || d.Password !== '') input.Password = d.Password
  if (d.Transport === 'tls') input.TlsCaFile = d.TlsCaFile
  return input
}

export type BadgeKind = 'ok' | 'busy' | 'failed' | 'off'

export interface Badge {
  kind: BadgeKind
  label: string
  /** The last error and when the next attempt goes out. */
  detail: string
}

/** "in 12 s", "in 3 min", "now". */
export function inWords(iso: string | null, now: number): string {
  if (!iso) return ''
  const ms = Date.parse(iso) - now
  if (Number.isNaN(ms)) return ''
  if (ms <= 1000) return 'now'
  const s = Math.round(ms / 1000)
  if (s < 90) return `in ${s} s`
  const m = Math.round(s / 60)
  if (m < 90) return `in ${m} min`
  return `in ${Math.round(m / 60)} h`
}

export function trunkBadge(t: Pick<Trunk, 'status' | 'last_error' | 'next_refresh' | 'username'>, now: number): Badge {
  switch (t.status) {
    case 'registered': {
      const when = inWords(t.next_refresh, now)
      return { kind: 'ok', label: 'Registered', detail: when ? `refresh ${when}` : '' }
    }
    case 'registering':
      return { kind: 'busy', label: 'Registering…', detail: '' }
    case 'failed': {
      const when = inWords(t.next_refresh, now)
      return { kind: 'failed', label: 'Failing', detail: [t.last_error ?? 'no answer', when ? `retry ${when}` : ''].filter(Boolean).join(' · ') }
    }
    default:
      return t.username === ''
        ? { kind: 'off', label: 'IP trunk', detail: 'no registration' }
        : { kind: 'off', label: 'Not registered', detail: '' }
  }
}

/** Merges a trunk event's live fields into the list (unknown SIDs ignored). */
export function mergeTrunkEvent(list: Trunk[], data: Record<string, unknown>): Trunk[] {
  const sid = data.sid
  if (typeof sid !== 'string') return list
  const status = data.status
  if (status !== 'registering' && status !== 'registered' && status !== 'failed' && status !== 'unregistered') return list
  return list.map((t) =>
    t.sid !== sid
      ? t
      : {
          ...t,
          status,
          last_error: typeof data.last_error === 'string' ? data.last_error : null,
          next_refresh: typeof data.next_refresh === 'string' ? data.next_refresh : null,
          expires: typeof data.expires === 'number' ? data.expires : t.expires,
        },
  )
}

/** Merges a registration event into the desk phones (by username). */
export function mergeRegistrationEvent(list: Credential[], data: Record<string, unknown>): Credential[] {
  const user = data.username
  if (typeof user !== 'string') return list
  return list.map((c) =>
    c.username !== user
      ? c
      : {
          ...c,
          registration:
            data.registered === true
              ? {
                  contact: typeof data.contact === 'string' ? data.contact : '',
                  source: typeof data.source === 'string' ? data.source : '',
                  expires: typeof data.expires === 'string' ? data.expires : '',
                }
              : null,
        },
  )
}

const flowSidIn = /FW[0-9a-fA-F]{32}/

/** The flow a number routes to (from its voice URL), or ''. */
export function flowOfNumber(voiceUrl: string): string {
  return flowSidIn.exec(voiceUrl)?.[0] ?? ''
}

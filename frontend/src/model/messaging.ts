// Plain logic of the Messaging settings and the Messages page (no React):
// SMS segment counting, gateway addresses, health badges, message rows.

/** GSM 03.38 default alphabet (one septet each). */
const gsmBasic =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà'
/** The extension table (an escape and the character: two septets each). */
const gsmExtended = '^{}\\[~]|€\f'

export interface Segments {
  encoding: 'GSM-7' | 'UCS-2'
  /** Septets (GSM-7) or UTF-16 units (UCS-2) the body takes. */
  units: number
  parts: number
  /** Units per part at this length: 160/70 for one part, 153/67 when split. */
  perPart: number
  /** Units left in the last part. */
  left: number
}

/** How a body is sent: GSM-7 when every character is in its alphabet, else UCS-2; 160/70 per message, 153/67 per part when split. */
export function countSegments(body: string): Segments {
  let units = 0
  let gsm = true
  for (const ch of body) {
    if (gsmBasic.includes(ch)) units += 1
    else if (gsmExtended.includes(ch)) units += 2
    else {
      gsm = false
      break
    }
  }
  if (!gsm) units = body.length // UTF-16 code units: an emoji takes two
  const single = gsm ? 160 : 70
  const multi = gsm ? 153 : 67
  const parts = units === 0 ? 1 : units <= single ? 1 : Math.ceil(units / multi)
  const perPart = parts === 1 ? single : multi
  return { encoding: gsm ? 'GSM-7' : 'UCS-2', units, parts, perPart, left: parts * perPart - units }
}

/** Twilio's body limit (error 21617). */
export const maxBody = 1600

/** An address a gateway can own: E.164, a short code or sender id the API accepts, or "*". '' when valid, else why not. */
export function addressProblem(a: string): string {
  if (a === '*') return ''
  if (/^\+[1-9][0-9]{1,14}$/.test(a)) return ''
  if (a.startsWith('+')) return `${a} is not an E.164 number: + then up to 15 digits, e.g. +15551234567`
  if (/^[A-Za-z0-9][A-Za-z0-9._~+-]{0,63}$/.test(a)) return ''
  return `${a} is not an E.164 number (+15551234567), a sender id or *`
}

/** Splits typed text into addresses (commas, spaces), without repeats. */
export function splitAddresses(text: string, have: string[] = []): string[] {
  const out: string[] = []
  for (const a of text.split(/[\s,;]+/)) {
    if (a !== '' && !have.includes(a) && !out.includes(a)) out.push(a)
  }
  return out
}

export type HealthState = 'connecting' | 'ready' | 'degraded' | 'failed' | 'blocked' | 'stopped'

export interface Health {
  state: HealthState
  since?: string
  last_error?: string
  signal_dbm?: number
  operator?: string
  registration?: string
  detail?: Record<string, unknown>
}

export type BadgeKind = 'ok' | 'busy' | 'failed' | 'off'

/** A gateway's badge: Ready / Connecting… / Degraded / Failed / Blocked — needs you / Disabled. */
export function gatewayBadge(g: { enabled: boolean; health?: Health | null }): { kind: BadgeKind; label: string } {
  if (!g.enabled) return { kind: 'off', label: 'Disabled' }
  switch (g.health?.state) {
    case 'ready':
      return { kind: 'ok', label: 'Ready' }
    case 'degraded':
      return { kind: 'busy', label: 'Degraded' }
    case 'failed':
      return { kind: 'failed', label: 'Failed' }
    case 'blocked':
      return { kind: 'failed', label: 'Blocked — needs you' }
    case 'stopped':
      return { kind: 'off', label: 'Stopped' }
    default:
      return { kind: 'busy', label: 'Connecting…' }
  }
}

/** Signal bars 0–4 from dBm (GSM/3G thresholds: −113 none … −73 and better full). */
export function signalBars(dbm: number): number {
  if (dbm >= -73) return 4
  if (dbm >= -83) return 3
  if (dbm >= -93) return 2
  if (dbm >= -109) return 1
  return 0
}

/** Whether a gateway list should be re-read soon (some gateway has not settled). */
export function unsettled(gs: { enabled: boolean; health?: Health | null }[]): boolean {
  return gs.some((g) => g.enabled && (g.health?.state === 'connecting' || g.health?.state === 'failed' || !g.health))
}

/** Applies a live `…sms.gateway.updated` event's {sid, health} to the list. */
export function mergeGatewayEvent<T extends { sid: string; health?: Health | null }>(list: T[], data: Record<string, unknown>): T[] {
  const sid = data.sid
  const health = data.health
  if (typeof sid !== 'string' || typeof health !== 'object' || health === null) return list
  return list.map((g) => (g.sid === sid ? { ...g, health: health as Health } : g))
}

export type StatusKind = 'ok' | 'busy' | 'failed' | 'off'

/** A message status's badge colour. */
export function messageStatusKind(status: string): StatusKind {
  switch (status) {
    case 'delivered':
    case 'sent':
    case 'received':
      return 'ok'
    case 'failed':
    case 'undelivered':
      return 'failed'
    case 'queued':
    case 'sending':
    case 'accepted':
      return 'busy'
    default:
      return 'off'
  }
}

/** The addresses a test message may come from: every owned number, no "*". */
export function fromChoices(gs: { addresses: string[]; enabled: boolean }[]): string[] {
  const out: string[] = []
  for (const g of gs) for (const a of g.addresses) if (a !== '*' && !out.includes(a)) out.push(a)
  return out
}

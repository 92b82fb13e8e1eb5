// Settings over the public REST API: SIP trunks (/v2/Voice/Trunks),
// desk phones (Twilio's SIP credential lists and credentials) and phone
// numbers routed to flows (IncomingPhoneNumbers), and their live state
// from the event stream (GET /v2/Events/Stream).

import { client } from './client'

export type TrunkStatus = 'registering' | 'registered' | 'failed' | 'unregistered'

export interface Trunk {
  sid: string
  friendly_name: string
  registrar: string
  username: string
  password_set: boolean
  domain: string
  requested_expires: number
  transport: 'udp' | 'tcp' | 'tls'
  /** TLS only: the CA file that signs the trunk's certificate ('' = the system roots). */
  tls_ca_file: string
  /** TLS only: certificate checking turned off (API only; logged loudly). */
  tls_insecure_skip_verify: boolean
  numbers: string[]
  source: 'api' | 'flag'
  status: TrunkStatus
  last_error: string | null
  next_refresh: string | null
  expires: number
  date_created: string
  date_updated: string
  /** SRTP policy; SDES keys ride in the SDP, so they are private only over TLS. */
  srtp: 'off' | 'optional' | 'required'
}

export interface CredentialList {
  sid: string
  friendly_name: string
  source: 'api' | 'flag'
  date_created: string
}

export interface Registration {
  contact: string
  source: string
  expires: string
}

export interface Credential {
  sid: string
  credential_list_sid: string
  username: string
  password_set: boolean
  date_created: string
  registration: Registration | null
}

export interface PhoneNumber {
  sid: string
  phone_number: string
  friendly_name: string
  voice_url: string
  sms_url: string
}

/** What a trunk form sends; Password only when typed (it is write-only). */
export interface TrunkInput {
  FriendlyName: string
  Registrar: string
  Username: string
  Password?: string
  Expires: string
  Transport: string
  /** Sent with Transport tls only. */
  TlsCaFile?: string
  Numbers: string
  Srtp: string
}

let account: Promise<string> | null = null

/** The 2010 API's account path, from the signed-in session. */
export async function accountPath(): Promise<string> {
  if (account === null) {
    account = client.session().then((s) => s?.account_sid ?? '')
    account.catch(() => (account = null))
  }
  const sid = await account
  if (sid === '') {
    account = null
    throw new Error('The account is not known: sign in again')
  }
  return `2010-04-01/Accounts/${encodeURIComponent(sid)}`
}

const enc = encodeURIComponent

export async function listTrunks(): Promise<Trunk[]> {
  const r = await client.request<{ trunks?: Trunk[] }>('GET', 'v2/Voice/Trunks')
  return r.trunks ?? []
}

export function createTrunk(input: TrunkInput): Promise<Trunk> {
  return client.request('POST', 'v2/Voice/Trunks', { form: { ...input } })
}

export function updateTrunk(sid: string, input: TrunkInput): Promise<Trunk> {
  return client.request('POST', `v2/Voice/Trunks/${enc(sid)}`, { form: { ...input } })
}

export async function deleteTrunk(sid: string): Promise<void> {
  await client.request('DELETE', `v2/Voice/Trunks/${enc(sid)}`)
}

/** Where desk phones register: the appliance's one SIP domain (Twilio's SIP Domains resource), or null without SIP. */
export async function sipAddress(): Promise<string | null> {
  const r = await client.request<{ domains?: { domain_name?: string }[] }>('GET', `${await accountPath()}/SIP/Domains.json`)
  return r.domains?.[0]?.domain_name || null
}

export async function listCredentialLists(): Promise<CredentialList[]> {
  const r = await client.request<{ credential_lists?: CredentialList[] }>(
    'GET',
    `${await accountPath()}/SIP/CredentialLists.json?PageSize=1000`,
  )
  return r.credential_lists ?? []
}

export async function createCredentialList(name: string): Promise<CredentialList> {
  return client.request('POST', `${await accountPath()}/SIP/CredentialLists.json`, { form: { FriendlyName: name } })
}

export async function listCredentials(list: string): Promise<Credential[]> {
  const r = await client.request<{ credentials?: Credential[] }>(
    'GET',
    `${await accountPath()}/SIP/CredentialLists/${enc(list)}/Credentials.json?PageSize=1000`,
  )
  return r.credentials ?? []
}

export async function createCredential(list: string, username: string, password: string): Promise<Credential> {
  return client.request('POST', `${await accountPath()}/SIP/CredentialLists/${enc(list)}/Credentials.json`, {
    form: { Username: username, Password: password },
  })
}

export async function setCredentialPassword(list: string, sid: string, password: string): Promise<Credential> {
  return client.request('POST', `${await accountPath()}/SIP/CredentialLists/${enc(list)}/Credentials/${enc(sid)}.json`, {
    form: { Password: password },
  })
}

export async function deleteCredential(list: string, sid: string): Promise<void> {
  await client.request('DELETE', `${await accountPath()}/SIP/CredentialLists/${enc(list)}/Credentials/${enc(sid)}.json`)
}

export async function listNumbers(): Promise<PhoneNumber[]> {
  const r = await client.request<{ incoming_phone_numbers?: PhoneNumber[] }>(
    'GET',
    `${await accountPath()}/IncomingPhoneNumbers.json?PageSize=1000`,
  )
  return r.incoming_phone_numbers ?? []
}

/** Routes a number's calls and messages to a flow ("" unsets). */
export async function createNumber(phoneNumber: string, name: string, flowSid: string): Promise<PhoneNumber> {
  return client.request('POST', `${await accountPath()}/IncomingPhoneNumbers.json`, {
    form: { PhoneNumber: phoneNumber, FriendlyName: name || undefined, VoiceUrl: flowSid, SmsUrl: flowSid },
  })
}

export async function setNumberFlow(sid: string, flowSid: string): Promise<PhoneNumber> {
  return client.request('POST', `${await accountPath()}/IncomingPhoneNumbers/${enc(sid)}`, {
    form: { VoiceUrl: flowSid, SmsUrl: flowSid },
  })
}

export async function deleteNumber(sid: string): Promise<void> {
  await client.request('DELETE', `${await accountPath()}/IncomingPhoneNumbers/${enc(sid)}`)
}

/** Event types the settings page listens to. */
export const TrunkEventType = 'com.switchboard.voice.trunk.updated'
export const RegistrationEventType = 'com.switchboard.voice.registration.updated'
export const GatewayEventType = 'com.switchboard.sms.gateway.updated'
export const QueueEventType = 'com.switchboard.voice.queue.updated'

/**
 * Listens to the event stream for trunk, registration, SMS gateway and call queue changes; returns
 * the function that stops listening. The browser reconnects by itself.
 */
export function watchVoice(on: (type: string, data: Record<string, unknown>) => void): () => void {
  if (typeof EventSource === 'undefined') return () => {}
  const es = new EventSource('v2/Events/Stream', { withCredentials: true })
  es.onmessage = (m: MessageEvent<string>) => {
    try {
      const ev = JSON.parse(m.data) as { type?: unknown; data?: unknown }
      if ((ev.type === TrunkEventType || ev.type === RegistrationEventType || ev.type === GatewayEventType || ev.type === QueueEventType) && typeof ev.data === 'object' && ev.data) {
        on(ev.type, ev.data as Record<string, unknown>)
      }
    } catch {
      // not ours
    }
  }
  return () => es.close()
}

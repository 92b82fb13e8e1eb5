// SMS over the public REST API: gateways (/v2/Messaging/Gateways and
// GatewayKinds) and Twilio's Messages resource (2010-04-01 …/Messages.json).

import type { Health } from '../model/messaging'
import { client } from './client'
import { accountPath } from './settings'

export interface GatewayKind {
  name: string
  title: string
  schema: unknown
  secrets: string[]
  inbound: boolean
}

export interface Gateway {
  sid: string
  friendly_name: string
  kind: string
  addresses: string[]
  settings: Record<string, unknown>
  secrets_set: string[]
  enabled: boolean
  rate_per_minute: number
  health: Health | null
  queued: number
  inbound_url?: string
  date_created: string
  date_updated: string
}

export interface GatewayInput {
  Kind?: string
  FriendlyName: string
  Addresses: string
  Settings: string
  Enabled: string
  RatePerMinute: string
}

export interface Message {
  sid: string
  direction: 'inbound' | 'outbound-api' | 'outbound-reply' | string
  from: string
  to: string
  body: string
  status: string
  error_code: number | null
  error_message: string | null
  num_segments: string
  date_created: string
  date_sent: string | null
  gateway_sid: string
  execution_sid: string
  flow_sid: string
}

export interface MessageFilter {
  /** Matches To or From: sent as two queries and merged. */
  number?: string
  gatewaySid?: string
}

const enc = encodeURIComponent

export async function listGatewayKinds(): Promise<GatewayKind[]> {
  const r = await client.request<{ kinds?: GatewayKind[] }>('GET', 'v2/Messaging/GatewayKinds')
  return r.kinds ?? []
}

/** Messages of the last day that failed because no gateway owns their From number (21606). */
export interface Unroutable {
  messages: number
  from: string[]
}

export async function listGateways(): Promise<{ gateways: Gateway[]; unroutable: Unroutable }> {
  const r = await client.request<{ gateways?: Gateway[]; unroutable?: Unroutable }>('GET', 'v2/Messaging/Gateways')
  return { gateways: r.gateways ?? [], unroutable: { messages: r.unroutable?.messages ?? 0, from: r.unroutable?.from ?? [] } }
}

export function createGateway(input: GatewayInput): Promise<Gateway> {
  return client.request('POST', 'v2/Messaging/Gateways', { form: { ...input } })
}

export function updateGateway(sid: string, input: GatewayInput): Promise<Gateway> {
  const { Kind: _kind, ...rest } = input
  return client.request('POST', `v2/Messaging/Gateways/${enc(sid)}`, { form: { ...rest } })
}

export async function deleteGateway(sid: string): Promise<void> {
  await client.request('DELETE', `v2/Messaging/Gateways/${enc(sid)}`)
}

async function page(size: number, q: Record<string, string>): Promise<{ messages: Message[]; more: boolean }> {
  const p = new URLSearchParams({ PageSize: String(size), ...q })
  const r = await client.request<{ messages?: Message[]; next_page_uri?: string | null }>(
    'GET',
    `${await accountPath()}/Messages.json?${p.toString()}`,
  )
  return { messages: r.messages ?? [], more: Boolean(r.next_page_uri) }
}

/** The newest `size` messages, newest first; `more` when older ones exist. */
export async function listMessages(size: number, f: MessageFilter): Promise<{ messages: Message[]; more: boolean }> {
  const base: Record<string, string> = {}
  if (f.gatewaySid) base.GatewaySid = f.gatewaySid
  const n = f.number?.trim()
  if (!n) return page(size, base)
  const [to, from] = await Promise.all([page(size, { ...base, To: n }), page(size, { ...base, From: n })])
  const seen = new Set<string>()
  const all = [...to.messages, ...from.messages]
    .filter((m) => (seen.has(m.sid) ? false : (seen.add(m.sid), true)))
    .sort((a, b) => Date.parse(b.date_created) - Date.parse(a.date_created))
  return { messages: all.slice(0, size), more: to.more || from.more || all.length > size }
}

export async function sendMessage(from: string, to: string, body: string): Promise<Message> {
  return client.request('POST', `${await accountPath()}/Messages.json`, { form: { From: from, To: to, Body: body } })
}

// Local call queues (Twilio's Queue resource with our agents): the queues
// callers of an Enqueue Call widget wait in, and the desk phones that answer
// them; their live state from the event stream
// (com.switchboard.voice.queue.updated).

import { accountPath, QueueEventType } from './settings'
import { client } from './client'

export type AgentState = 'free' | 'ringing' | 'busy' | 'offline'

export interface QueueAgent {
  user: string
  state: AgentState
}

/** The live part of a queue: the queue.updated event's data and the dashboard's queues. */
export interface QueueLive {
  sid: string
  friendly_name: string
  current_size: number
  longest_wait: number
  average_wait_time: number
  agents_free: number
  agents: QueueAgent[]
}

export interface Queue extends QueueLive {
  max_size: number
  hold_music: string
  announce_position: boolean
  date_created: string
  date_updated: string
}

/** What the queue form sends (Agents comma-separated). */
export interface QueueInput {
  FriendlyName: string
  Agents: string
  HoldMusic: string
  AnnouncePosition: string
  MaxSize: string
}

const enc = encodeURIComponent

export async function listQueues(): Promise<Queue[]> {
  const r = await client.request<{ queues?: Queue[] }>('GET', `${await accountPath()}/Queues.json?PageSize=1000`)
  return r.queues ?? []
}

export async function createQueue(input: QueueInput): Promise<Queue> {
  return client.request('POST', `${await accountPath()}/Queues.json`, { form: { ...input } })
}

export async function updateQueue(sid: string, input: QueueInput): Promise<Queue> {
  return client.request('POST', `${await accountPath()}/Queues/${enc(sid)}.json`, { form: { ...input } })
}

export async function deleteQueue(sid: string): Promise<void> {
  await client.request('DELETE', `${await accountPath()}/Queues/${enc(sid)}.json`)
}

/** Listens to the event stream for queue changes; returns the function that stops listening. */
export function watchQueues(on: (data: Record<string, unknown>) => void): () => void {
  if (typeof EventSource === 'undefined') return () => {}
  const es = new EventSource('v2/Events/Stream', { withCredentials: true })
  es.onmessage = (m: MessageEvent<string>) => {
    try {
      const ev = JSON.parse(m.data) as { type?: unknown; data?: unknown }
      if (ev.type === QueueEventType && typeof ev.data === 'object' && ev.data) on(ev.data as Record<string, unknown>)
    } catch {
      // not ours
    }
  }
  return () => es.close()
}

// GET v2/Dashboard (Switchboard's own resource): what is happening now and
// the last hour minute by minute — the figures /metrics exposes, as JSON.
import { client as defaultClient, type Client } from './client'
import type { QueueLive } from './queues'

export interface DashboardMinute {
  start: string
  calls: number
  executions: number
  messages_in: number
  messages_out: number
}

export interface DashboardEvent {
  date_created: string
  flow_sid: string
  /** empty when the flow was deleted */
  flow_name: string
  execution_sid: string
  step_sid: string
  widget: string
  level: 'error' | 'warning'
  code: number
  message: string
}

export interface Dashboard {
  date_generated: string
  calls_active: number
  executions_active: number
  messages: { in_last_hour: number; out_last_hour: number; out_pending: number; out_failed: number }
  trunks: { name: string; state: string; up: boolean; last_error: string | null }[]
  recent_events: DashboardEvent[]
  /** Each local call queue, as the queue.updated event shows it (absent from an older appliance). */
  queues?: QueueLive[]
  minutes: DashboardMinute[]
}

export function getDashboard(c: Client = defaultClient): Promise<Dashboard> {
  return c.request<Dashboard>('GET', 'v2/Dashboard')
}

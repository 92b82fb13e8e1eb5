// Executions of a flow through the public Studio v2 API: list (with Studio's
// DateCreatedFrom/To and Switchboard's Status and ContactChannelAddress
// filters), steps, step context, execution context, End and Delete.
import { client, relative, type Client } from './client'
import type { Execution, ExecutionFilters, Step } from '../model/executions'
import { executionQuery } from '../model/executions'

export interface ExecutionsPage {
  executions: Execution[]
  /** The relative path of the next (older) page, or null. */
  next: string | null
}

const flowPath = (flowSid: string) => `v2/Flows/${encodeURIComponent(flowSid)}/Executions`
const execPath = (flowSid: string, sid: string) => `${flowPath(flowSid)}/${encodeURIComponent(sid)}`

export async function listExecutions(flowSid: string, filters: ExecutionFilters, next?: string, c: Client = client): Promise<ExecutionsPage> {
  const path = next ?? `${flowPath(flowSid)}?${executionQuery(filters)}`
  const page: { executions?: Execution[]; meta?: { next_page_url?: string | null } } = await c.request('GET', path)
  const n = page.meta?.next_page_url
  return { executions: page.executions ?? [], next: n ? relative(n) : null }
}

export function getExecution(flowSid: string, sid: string, c: Client = client): Promise<Execution> {
  return c.request('GET', execPath(flowSid, sid))
}

/** Every step of an execution, oldest first (the API lists newest first). */
export async function listSteps(flowSid: string, sid: string, c: Client = client): Promise<Step[]> {
  const out: Step[] = []
  let path: string | null = `${execPath(flowSid, sid)}/Steps?PageSize=1000`
  for (let pages = 0; path && pages < 10; pages++) {
    const page: { steps?: Step[]; meta?: { next_page_url?: string | null } } = await c.request('GET', path)
    out.push(...(page.steps ?? []))
    const n = page.meta?.next_page_url
    path = n ? relative(n) : null
  }
  return out.reverse()
}

export async function getStepContext(flowSid: string, sid: string, stepSid: string, c: Client = client): Promise<unknown> {
  const r: { context?: unknown } = await c.request('GET', `${execPath(flowSid, sid)}/Steps/${encodeURIComponent(stepSid)}/Context`)
  return r.context ?? {}
}

export async function getExecutionContext(flowSid: string, sid: string, c: Client = client): Promise<unknown> {
  const r: { context?: unknown } = await c.request('GET', `${execPath(flowSid, sid)}/Context`)
  return r.context ?? {}
}

/** Ends an active execution (Studio: POST Status=ended). */
export function endExecution(flowSid: string, sid: string, c: Client = client): Promise<Execution> {
  return c.request('POST', execPath(flowSid, sid), { form: { Status: 'ended' } })
}

export async function deleteExecution(flowSid: string, sid: string, c: Client = client): Promise<void> {
  await c.request('DELETE', execPath(flowSid, sid))
}

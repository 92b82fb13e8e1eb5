// The simulator's and the flow tests' requests (Switchboard's own resources,
// documented in README.md): simulations run a flow's draft through the real
// engine in memory; flow tests are kept with the flow and run with the
// `switchboard flow test` runner. Every URL is relative.
import { client as defaultClient, relative, type Client } from './client'
import type { FlowTestDoc, MockDoc } from '../model/simulation'

export type SimChannel = 'voice' | 'messaging'

export interface SimEntry {
  index: number
  kind: 'say' | 'play' | 'message' | 'input' | 'event' | 'http' | 'note' | 'ended'
  widget?: string
  text?: string
  audio_url?: string
  url?: string
  media_url?: string[]
  input?: string
  level?: string
  code?: number
  method?: string
  status?: number
  mocked?: boolean
}

export interface Simulation {
  sid: string
  flow_sid: string
  channel: SimChannel
  from: string
  to: string
  body?: string
  source: 'draft' | 'revision' | 'definition'
  revision: number | null
  status: 'waiting' | 'ended'
  end_reason?: string
  current_widget?: string
  waiting_for: string[]
  hint?: string
  path: string[]
  failed_widgets: string[]
  transcript: SimEntry[]
  outputs: SimEntry[]
  inputs: string[]
  mocks: MockDoc[]
  speech: boolean
  date_created: string
  expires: string
  url: string
}

export interface StartOptions {
  channel: SimChannel
  /** The definition to run (the canvas's draft); omitted: the flow's latest revision. */
  definition?: string
  from?: string
  to?: string
  /** The first message (messaging). */
  body?: string
  mocks?: MockDoc[]
}

export type SimInput =
  | { Digits: string }
  | { SpeechResult: string }
  | { Body: string }
  | { Timeout: 'true' }
  | { Hangup: 'true' }
  | { Line: string }

const flowPath = (sid: string) => `v2/Flows/${encodeURIComponent(sid)}`

export function startSimulation(sid: string, o: StartOptions, c: Client = defaultClient): Promise<Simulation> {
  return c.request('POST', `${flowPath(sid)}/Simulations`, {
    form: {
      Channel: o.channel,
      Definition: o.definition,
      From: o.from || undefined,
      To: o.to || undefined,
      Body: o.body || undefined,
      Mocks: o.mocks && o.mocks.length > 0 ? JSON.stringify(o.mocks) : undefined,
    },
  })
}

export function sendInput(sim: Pick<Simulation, 'flow_sid' | 'sid'>, input: SimInput, c: Client = defaultClient): Promise<Simulation> {
  return c.request('POST', `${flowPath(sim.flow_sid)}/Simulations/${encodeURIComponent(sim.sid)}/Input`, {
    form: input as Record<string, string>,
  })
}

export async function endSimulation(sim: Pick<Simulation, 'flow_sid' | 'sid'>, c: Client = defaultClient): Promise<void> {
  await c.request('DELETE', `${flowPath(sim.flow_sid)}/Simulations/${encodeURIComponent(sim.sid)}`, { retryNetwork: false })
}

/** The page-relative form of an audio URL the server gave. */
export function audioSrc(url: string): string {
  return relative(url)
}

export interface StoredTest {
  flow_sid: string
  name: string
  test: FlowTestDoc
  date_created: string
  date_updated: string
}

export interface Check {
  expectation: string
  passed: boolean
  reason?: string
}

export interface TestRun {
  name: string
  passed: boolean
  checks: Check[]
  failures: string[]
  transcript: string
}

export interface TestRuns {
  flow_sid: string
  revision: number
  passed: number
  failed: number
  runs: TestRun[]
}

export async function listTests(sid: string, c: Client = defaultClient): Promise<StoredTest[]> {
  const r: { tests?: StoredTest[] } = await c.request('GET', `${flowPath(sid)}/Tests`)
  return r.tests ?? []
}

export function saveTest(sid: string, test: FlowTestDoc, replace = false, c: Client = defaultClient): Promise<StoredTest> {
  return c.request('POST', `${flowPath(sid)}/Tests`, { form: { Test: JSON.stringify(test), Replace: replace ? 'true' : undefined } })
}

export async function deleteTest(sid: string, name: string, c: Client = defaultClient): Promise<void> {
  await c.request('DELETE', `${flowPath(sid)}/Tests/${encodeURIComponent(name)}`)
}

/** Runs one test (name) or all of them against the flow's current draft. */
export function runTests(sid: string, name?: string, c: Client = defaultClient): Promise<TestRuns> {
  const path = name === undefined ? `${flowPath(sid)}/Tests/Runs` : `${flowPath(sid)}/Tests/${encodeURIComponent(name)}/Runs`
  return c.request('POST', path, { form: {} })
}

// @vitest-environment jsdom
// Autosave on the flow page against a fake server: a refusal stops retrying
// and keeps the edit (a reload offers it back), a lapsed session resumes
// after sign-in, a network failure is retried until saved.
import { act } from 'react'
import { createRoot, type Root } from 'react-dom/client'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { App } from './App'
import { backupKey } from '../model/draftBackup'

;(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true
if (!('ResizeObserver' in globalThis)) {
  ;(globalThis as Record<string, unknown>).ResizeObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
  }
}

const SID = 'FW44444444444444444444444444444444'
const json = (status: number, v: unknown) => new Response(JSON.stringify(v), { status, headers: { 'Content-Type': 'application/json' } })
const definition = {
  description: 'Front desk',
  initial_state: 'Trigger',
  states: [{ name: 'Trigger', type: 'trigger', transitions: [{ event: 'incomingCall' }], properties: { offset: { x: 0, y: 0 } } }],
}

type Mode = 'ok' | 'refuse' | 'unauthorized' | 'down'
interface Fake {
  mode: Mode
  signedIn: boolean
  posts: URLSearchParams[]
  stored: unknown
}

function install(f: Fake) {
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    const method = init.method ?? 'GET'
    const body = new URLSearchParams(init.body ? String(init.body) : '')
    if (url === 'auth/session' && method === 'POST') {
      f.signedIn = true
      return json(201, {})
    }
    if (url === 'auth/session') return f.signedIn ? json(200, {}) : json(401, { message: 'Authenticate', status: 401 })
    if (url.endsWith('/Revisions/LatestPublished')) return json(404, { message: 'not found', status: 404 })
    const flow = (rev: number) => ({ sid: SID, friendly_name: 'Front desk', status: 'draft', revision: rev, definition: f.stored, errors: [], warnings: [], valid: true })
    if (url === `v2/Flows/${SID}` && method === 'GET') return json(200, flow(1))
    if (url === `v2/Flows/${SID}` && method === 'POST') {
      f.posts.push(body)
      if (f.mode === 'down') throw new TypeError('Failed to fetch')
      if (f.mode === 'unauthorized' || !f.signedIn) {
        f.signedIn = false
        return json(401, { code: 20003, message: 'Authenticate', status: 401 })
      }
      if (f.mode === 'refuse')
        return json(400, { code: 81022, message: 'Flow definition validation failed: boom', status: 400, errors: [{ message: 'boom', property_path: '#/description' }] })
      f.stored = JSON.parse(body.get('Definition')!)
      return json(200, flow(f.posts.length + 1))
    }
    return json(404, { message: 'not found', status: 404 })
  })
}

let root: Root
let host: HTMLElement
beforeEach(() => {
  window.localStorage.clear()
  window.location.hash = `#/flows/${SID}`
  host = document.createElement('div')
  document.body.appendChild(host)
  root = createRoot(host)
})
afterEach(async () => {
  await act(async () => root.unmount())
  host.remove()
  vi.unstubAllGlobals()
})

async function wait(ms: number) {
  await act(async () => new Promise((r) => setTimeout(r, ms)))
  for (let i = 0; i < 3; i++) await act(async () => new Promise((r) => setTimeout(r, 0)))
}
const q = <T extends Element = HTMLElement>(id: string) => host.querySelector<T>(`[data-testid="${id}"]`)
async function click(el: Element | null) {
  expect(el).not.toBeNull()
  await act(async () => (el as HTMLElement).click())
  await wait(0)
}
async function type(el: Element | null, value: string) {
  const input = el as HTMLInputElement | HTMLTextAreaElement
  const proto = input instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype
  await act(async () => {
    Object.getOwnPropertyDescriptor(proto, 'value')!.set!.call(input, value)
    input.dispatchEvent(new Event('input', { bubbles: true }))
  })
}
const description = () => q('field-description')?.querySelector('textarea') ?? null
const state = () => q('save-state')?.getAttribute('data-state')

async function open(f: Fake) {
  install(f)
  await act(async () => root.render(<App />))
  await wait(0)
  expect(q('flow-title')?.textContent).toBe('Front desk')
  await click(q('flow-settings'))
}

describe('autosave on the flow page', () => {
  it('a refusal (400) stops retrying, shows the message and keeps the edit; a reload offers to restore it', async () => {
    const f: Fake = { mode: 'refuse', signedIn: true, posts: [], stored: definition }
    await open(f)
    await type(description(), 'After hours')
    expect(state()).toBe('pending')
    await wait(1100)
    expect(state()).toBe('refused')
    expect(q('save-state')!.textContent).toContain('Flow definition validation failed: boom')
    expect(f.posts).toHaveLength(1)
    await wait(2500)
    expect(f.posts).toHaveLength(1) // no retry loop
    const kept = JSON.parse(window.localStorage.getItem(backupKey(SID))!)
    expect(JSON.parse(kept.definition).description).toBe('After hours')
    expect(q('problems-toggle')!.textContent).toContain('1 error')

    // Reload: the page offers the kept edit; restoring it saves it.
    await act(async () => root.unmount())
    root = createRoot(host)
    f.mode = 'ok'
    await act(async () => root.render(<App />))
    await wait(0)
    expect(q('restore-banner')).not.toBeNull()
    await click(q('restore-draft'))
    expect(q('restore-banner')).toBeNull()
    await wait(1100)
    expect(state()).toBe('saved')
    expect((f.stored as { description: string }).description).toBe('After hours')
    expect(window.localStorage.getItem(backupKey(SID))).toBeNull()
  }, 15_000)

  it('401: the sign-in page, the page kept underneath, and the edit saved after sign-in', async () => {
    const f: Fake = { mode: 'unauthorized', signedIn: true, posts: [], stored: definition }
    await open(f)
    await type(description(), 'Lunch menu')
    await wait(1100)
    expect(q('login-form')).not.toBeNull()
    expect(q('flow-title')).not.toBeNull() // still mounted, hidden
    expect(state()).toBe('signin')
    f.mode = 'ok'
    await type(q('login-username'), 'AC1')
    await type(q('login-password'), 'token')
    await click(q('login-submit'))
    await wait(50)
    expect(q('login-form')).toBeNull()
    expect(state()).toBe('saved')
    expect((f.stored as { description: string }).description).toBe('Lunch menu')
  }, 15_000)

  it('a network failure keeps the edit and retries with a pause until saved', async () => {
    const f: Fake = { mode: 'down', signedIn: true, posts: [], stored: definition }
    await open(f)
    await type(description(), 'Night line')
    await wait(1100)
    expect(state()).toBe('retrying')
    expect(q('save-state')!.textContent).toMatch(/offline; trying again in \d s/)
    expect(q('connection-banner')).not.toBeNull()
    f.mode = 'ok'
    await wait(1100)
    expect(state()).toBe('saved')
    expect(f.posts.length).toBe(2)
    expect((f.stored as { description: string }).description).toBe('Night line')
  }, 15_000)
})

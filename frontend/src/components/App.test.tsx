// @vitest-environment jsdom
import { act } from 'react'
import { createRoot, type Root } from 'react-dom/client'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { App } from './App'

;(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true
// jsdom has no ResizeObserver; the canvas (@xyflow/react) needs one.
if (!('ResizeObserver' in globalThis)) {
  ;(globalThis as Record<string, unknown>).ResizeObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
  }
}

type Handler = (method: string, url: string, body: URLSearchParams) => Response

const json = (status: number, v: unknown) => new Response(JSON.stringify(v), { status, headers: { 'Content-Type': 'application/json' } })
const unauthorized = () => json(401, { code: 20003, message: 'Authenticate', more_info: 'x', status: 401 })

const hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>'
const flows = [
  { sid: 'FW11111111111111111111111111111111', friendly_name: hostile, status: 'published', valid: true, errors: [], warnings: [], date_created: '2026-01-01T00:00:00Z', date_updated: null },
  { sid: 'FW22222222222222222222222222222222', friendly_name: 'SMS survey', status: 'draft', valid: false, errors: [{ message: 'bad', property_path: '#/states/1' }], warnings: [], date_created: '2026-01-01T00:00:00Z', date_updated: null },
]

function server(opts: { signedIn: boolean; desktop?: boolean }): Handler {
  let signedIn = opts.signedIn
  return (method, url, body) => {
    if (url === 'auth/session' && method === 'POST') {
      if (body.get('Password') === 'token') {
        signedIn = true
        return json(201, {})
      }
      return body.get('Password') === 'slow' ? json(429, { code: 20429, message: 'Too many', status: 429 }) : unauthorized()
    }
    if (url === 'auth/session') return signedIn ? json(200, opts.desktop ? { account_sid: 'AC1', principal: 'AC1', desktop: true } : {}) : unauthorized()
    if (!signedIn) return unauthorized()
    if (url.startsWith('v2/Flows?')) return json(200, { flows, meta: { next_page_url: null } })
    if (url === 'v2/Flows/Validate')
      return json(400, {
        code: 81022,
        message: 'Flow definition validation failed: invalid JSON at line 1, column 2',
        more_info: 'x',
        status: 400,
        errors: [{ message: 'invalid JSON at line 1, column 2', property_path: '' }],
      })
    if (url === 'v2/Flows' && method === 'POST') {
      const f = { ...flows[1]!, sid: 'FW33333333333333333333333333333333', friendly_name: body.get('FriendlyName'), status: body.get('Status'), definition: JSON.parse(body.get('Definition') ?? 'null') }
      created.push(f)
      return json(201, f)
    }
    const m = /^v2\/Flows\/(FW\w+)$/.exec(url)
    const f = m && [...flows, ...created].find((x) => x.sid === m[1])
    if (f && method === 'GET') return json(200, f)
    return json(404, { code: 20404, message: 'not found', status: 404 })
  }
}

const created: Record<string, unknown>[] = []

let root: Root
let host: HTMLElement

function install(h: Handler | 'down') {
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    if (h === 'down') throw new TypeError('Failed to fetch')
    return h(init.method ?? 'GET', url, new URLSearchParams(init.body ? String(init.body) : ''))
  })
}

async function settle() {
  for (let i = 0; i < 5; i++) await act(async () => new Promise((r) => setTimeout(r, 0)))
}

const q = (id: string) => host.querySelector(`[data-testid="${id}"]`)

async function type(el: Element | null, value: string) {
  const input = el as HTMLInputElement | HTMLTextAreaElement
  const proto = input instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype
  await act(async () => {
    Object.getOwnPropertyDescriptor(proto, 'value')!.set!.call(input, value)
    input.dispatchEvent(new Event('input', { bubbles: true }))
  })
}

async function click(el: Element | null) {
  await act(async () => {
    ;(el as HTMLElement).click()
  })
  await settle()
}

beforeEach(() => {
  window.location.hash = '#/flows'
  host = document.createElement('div')
  document.body.appendChild(host)
  root = createRoot(host)
})

afterEach(async () => {
  await act(async () => root.unmount())
  host.remove()
  vi.unstubAllGlobals()
})

describe('App', () => {
  it('says where an export went', async () => {
    install(server({ signedIn: true }))
    const made: Blob[] = []
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: (b: Blob) => (made.push(b), 'blob:x'), revokeObjectURL: () => undefined }))
    const clicked = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined)
    await act(async () => root.render(<App />))
    await settle()
    await click(host.querySelectorAll('[data-testid="export-flow"]')[1]!)
    expect(clicked).toHaveBeenCalledTimes(1)
    expect(made).toHaveLength(1)
    expect(q('export-notice')?.textContent).toMatch(/^Exported “SMS survey” as SMS_survey\.json/)
    clicked.mockRestore()
  })

  it('offers sign-out in a browser, not in the desktop window the process signed in', async () => {
    install(server({ signedIn: true }))
    await act(async () => root.render(<App />))
    await settle()
    expect(q('flows-list')).not.toBeNull()
    expect(q('sign-out')).not.toBeNull()
    await act(async () => root.unmount())
    root = createRoot(host)
    install(server({ signedIn: true, desktop: true }))
    await act(async () => root.render(<App />))
    await settle()
    expect(q('flows-list')).not.toBeNull()
    expect(q('sign-out')).toBeNull()
  })

  it('shows the sign-in page, explains a 401 and a 429, then shows the flows list', async () => {
    install(server({ signedIn: false }))
    await act(async () => root.render(<App />))
    await settle()
    expect(q('login-form')).not.toBeNull()

    await type(q('login-username'), 'AC123')
    await type(q('login-password'), 'wrong')
    await click(q('login-submit'))
    expect(q('login-error')?.textContent).toMatch(/do not match/)

    await type(q('login-password'), 'slow')
    await click(q('login-submit'))
    expect(q('login-error')?.textContent).toMatch(/Too many failed sign-ins/)

    await type(q('login-password'), 'token')
    await click(q('login-submit'))
    expect(q('login-form')).toBeNull()
    const rows = host.querySelectorAll('[data-testid="flow-row"]')
    expect([...rows].map((r) => r.getAttribute('data-flow-sid'))).toEqual([flows[0]!.sid, flows[1]!.sid])
  })

  it('shows a hostile flow name as text', async () => {
    install(server({ signedIn: true }))
    await act(async () => root.render(<App />))
    await settle()
    expect(q('flows-list')).not.toBeNull()
    expect(host.querySelector('img, script')).toBeNull()
    expect(host.textContent).toContain(hostile)
    expect((window as { __pwned?: number }).__pwned).toBeUndefined()
  })

  it("shows the validator's message for a bad import and creates nothing", async () => {
    const h = server({ signedIn: true })
    const calls: string[] = []
    install((m, u, b) => {
      calls.push(`${m} ${u}`)
      return h(m, u, b)
    })
    await act(async () => root.render(<App />))
    await settle()
    await click(q('import-flow'))
    await type(q('import-text'), '{oops')
    await click(q('import-submit'))
    expect(q('import-error')?.textContent).toContain('invalid JSON at line 1, column 2')
    expect(calls).toContain('POST v2/Flows/Validate')
    expect(calls).not.toContain('POST v2/Flows')
  })

  it('creates a draft with the Trigger and opens it', async () => {
    install(server({ signedIn: true }))
    await act(async () => root.render(<App />))
    await settle()
    await click(q('new-flow'))
    await type(q('flow-name'), 'Front desk')
    await click(q('dialog-submit'))
    expect(window.location.hash).toBe('#/flows/FW33333333333333333333333333333333')
    await settle()
    const def = created[0]?.definition as { states: { type: string; transitions: unknown[] }[] }
    expect(created[0]?.status).toBe('draft')
    expect(def.states.map((st) => [st.type, st.transitions.length])).toEqual([['trigger', 5]])
    expect(q('flow-title')?.textContent).toBe('Front desk')
    expect(q('canvas')).not.toBeNull()
  })

  it('shows the connection banner when the server cannot be reached', async () => {
    install('down')
    await act(async () => root.render(<App />))
    await settle()
    expect(q('connection-banner')?.textContent).toMatch(/Cannot reach Switchboard/)
  })
})

// @vitest-environment jsdom
// The publishing pieces in jsdom against a fake server: publish dialog,
// problems list, test users, revisions with diff and revert.
import { act } from 'react'
import { createRoot, type Root } from 'react-dom/client'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError, type Flow } from '../api/client'
import type { Problem } from '../model/problems'
import type { FlowDefinition } from '../model/studio'
import { PublishDialog } from './PublishDialog'
import { ProblemsList } from './ProblemsList'
import { TestUsersDialog } from './TestUsersDialog'
import { RevisionsPanel } from './RevisionsPanel'

;(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true

const json = (status: number, v: unknown) => new Response(JSON.stringify(v), { status, headers: { 'Content-Type': 'application/json' } })
type Call = { method: string; url: string; body: URLSearchParams }
let calls: Call[]
function install(h: (c: Call) => Response) {
  calls = []
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    const c = { method: init.method ?? 'GET', url, body: new URLSearchParams(init.body ? String(init.body) : '') }
    calls.push(c)
    return h(c)
  })
}

let root: Root
let host: HTMLDivElement
beforeEach(() => {
  host = document.createElement('div')
  document.body.appendChild(host)
  root = createRoot(host)
})
afterEach(async () => {
  await act(async () => root.unmount())
  host.remove()
  vi.unstubAllGlobals()
})

async function settle(ms = 0) {
  for (let i = 0; i < 5; i++) await act(async () => new Promise((r) => setTimeout(r, ms)))
}
const q = <T extends Element = HTMLElement>(id: string) => host.querySelector<T>(`[data-testid="${id}"]`)
// Dialogs render in place (no portal), inside host.
async function click(el: Element | null) {
  expect(el).not.toBeNull()
  await act(async () => (el as HTMLElement).click())
  await settle()
}
async function type(el: Element | null, value: string) {
  const input = el as HTMLInputElement | HTMLTextAreaElement
  const proto = input instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype
  await act(async () => {
    Object.getOwnPropertyDescriptor(proto, 'value')!.set!.call(input, value)
    input.dispatchEvent(new Event('input', { bubbles: true }))
  })
}

const def = (say: string, extra: FlowDefinition['states'] = []): FlowDefinition => ({
  description: 'd',
  initial_state: 'Trigger',
  states: [
    { name: 'Trigger', type: 'trigger', transitions: [{ event: 'incomingCall', next: 'hello' }], properties: { offset: { x: 0, y: 0 } } },
    { name: 'hello', type: 'say-play', transitions: [{ event: 'audioComplete' }], properties: { say, offset: { x: 0, y: 200 } } },
    ...extra,
  ],
})

describe('PublishDialog', () => {
  const err: Problem = { message: 'say or play is required', property_path: '#/states/1/properties/say', level: 'error' }
  const warn: Problem = { message: 'not reachable', property_path: '#/states/2', level: 'warning' }

  it('saves the draft first, then refuses to publish with errors and says why', async () => {
    let flushed!: () => void
    const flush = vi.fn(() => new Promise<void>((r) => (flushed = r)))
    const publish = vi.fn()
    const onShowProblems = vi.fn()
    await act(async () =>
      root.render(<PublishDialog problems={[err, warn]} flush={flush} publish={publish} onPublished={vi.fn()} onShowProblems={onShowProblems} onClose={vi.fn()} />),
    )
    expect(q('publish-checking')).not.toBeNull()
    expect(q<HTMLButtonElement>('publish-submit')!.disabled).toBe(true)
    await act(async () => flushed())
    await settle()
    expect(q('publish-count')!.textContent).toBe('Flow Validate found 1 error and 1 warning.')
    expect(q('publish-blocked')!.textContent).toMatch(/cannot be published/)
    expect(q<HTMLButtonElement>('publish-submit')!.disabled).toBe(true)
    await click(q('publish-show-problems'))
    expect(onShowProblems).toHaveBeenCalled()
    expect(publish).not.toHaveBeenCalled()
  })

  it('publishes a clean flow with the commit message; a refusal shows the server message and its problems', async () => {
    const publish = vi
      .fn<(m: string) => Promise<Flow>>()
      .mockRejectedValueOnce(new ApiError(400, 'Flow definition validation failed: <b>x</b>', 81022, null, [{ message: '<img src=x>', property_path: '#/states/1' }]))
      .mockResolvedValueOnce({ sid: 'FW1', revision: 7, status: 'published' } as Flow)
    const onPublished = vi.fn()
    await act(async () =>
      root.render(<PublishDialog problems={[warn]} flush={() => Promise.resolve()} publish={publish} onPublished={onPublished} onShowProblems={vi.fn()} onClose={vi.fn()} />),
    )
    await settle()
    expect(q('publish-count')!.textContent).toBe('Flow Validate found 0 errors and 1 warning.')
    await type(q('commit-message'), 'After-hours menu')
    await click(q('publish-submit'))
    expect(publish).toHaveBeenLastCalledWith('After-hours menu')
    expect(q('publish-error')!.textContent).toContain('Flow definition validation failed: <b>x</b>')
    expect(q('publish-error')!.textContent).toContain('<img src=x>')
    expect(host.querySelector('img, b')).toBeNull()
    await click(q('publish-submit'))
    expect(onPublished).toHaveBeenCalledWith(expect.objectContaining({ revision: 7 }))
  })

  it('a draft that cannot be saved cannot be published', async () => {
    const publish = vi.fn()
    await act(async () =>
      root.render(<PublishDialog problems={[]} flush={() => Promise.reject(new Error('The requested resource was not found'))} publish={publish} onPublished={vi.fn()} onShowProblems={vi.fn()} onClose={vi.fn()} />),
    )
    await settle()
    expect(q('publish-save-error')!.textContent).toContain('The requested resource was not found')
    expect(q<HTMLButtonElement>('publish-submit')!.disabled).toBe(true)
  })
})

describe('ProblemsList', () => {
  it('lists errors before warnings with their place, and a click hands the located problem over', async () => {
    const onShow = vi.fn()
    const d = def('')
    const problems: Problem[] = [
      { message: 'not reachable', property_path: '#/states/1', level: 'warning' },
      { message: 'say is empty', property_path: '#/states/1/properties/say', level: 'error' },
      { message: 'no description', property_path: '#/description', level: 'warning' },
    ]
    await act(async () => root.render(<ProblemsList def={d} problems={problems} onShow={onShow} onClose={vi.fn()} />))
    const items = [...host.querySelectorAll('[data-testid="problem-item"]')]
    expect(items.map((i) => i.textContent)).toEqual(['Errorhello › Text to saysay is empty', 'Warninghellonot reachable', 'WarningFlow settingsno description'])
    await click(items[0]!)
    expect(onShow).toHaveBeenCalledWith(expect.objectContaining({ widget: 'hello', field: 'say', property_path: '#/states/1/properties/say' }))
    await click(items[2]!)
    expect(onShow.mock.calls[1]![0].widget).toBeUndefined()
  })
})

describe('TestUsersDialog', () => {
  it('lists the test users, refuses a number not in E.164 with a clear message, adds and removes', async () => {
    let users = ['+15551234567']
    install((c) => {
      if (c.method === 'POST') users = c.body.getAll('TestUsers').filter((u) => u !== '')
      return json(200, { sid: 'FW1', test_users: users })
    })
    await act(async () => root.render(<TestUsersDialog sid="FW1" onClose={vi.fn()} />))
    await settle()
    expect([...host.querySelectorAll('[data-testid="test-user"] .mono')].map((e) => e.textContent)).toEqual(['+15551234567'])
    await type(q('test-user-number'), '555 1234')
    await click(q('test-user-add'))
    expect(q('test-user-error')!.textContent).toMatch(/must start with \+ and the country code/)
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0)
    await type(q('test-user-number'), '+44 20 7946 0958')
    expect(q('test-user-error')).toBeNull()
    await click(q('test-user-add'))
    expect(calls.at(-1)!.url).toBe('v2/Flows/FW1/TestUsers')
    expect(calls.at(-1)!.body.getAll('TestUsers')).toEqual(['+15551234567', '+442079460958'])
    expect([...host.querySelectorAll('[data-testid="test-user"] .mono')].map((e) => e.textContent)).toEqual(['+15551234567', '+442079460958'])
    expect(q<HTMLInputElement>('test-user-number')!.value).toBe('')
    await click(host.querySelector('[aria-label="Remove +15551234567"]'))
    expect(calls.at(-1)!.body.getAll('TestUsers')).toEqual(['+442079460958'])
    await click(host.querySelector('[aria-label="Remove +442079460958"]'))
    expect(calls.at(-1)!.body.getAll('TestUsers')).toEqual([''])
    expect(host.textContent).toContain('No test users yet.')
  })
})

describe('RevisionsPanel', () => {
  const published = def('Hello')
  const rev = (revision: number, status: string, commit_message: string | null) => ({ sid: 'FW1', revision, status, commit_message, date_created: '2026-01-01T00:00:00Z', definition: null })

  it('pages through revisions, diffs the draft against one (list and highlights), and reverts after a confirm', async () => {
    install((c) => {
      if (c.url === 'v2/Flows/FW1/Revisions?PageSize=50')
        return json(200, { revisions: [rev(3, 'draft', null), rev(2, 'published', 'First <b>cut</b>')], meta: { next_page_url: 'http://x/v2/Flows/FW1/Revisions?PageSize=50&PageToken=P2' } })
      if (c.url === 'v2/Flows/FW1/Revisions?PageSize=50&PageToken=P2') return json(200, { revisions: [rev(1, 'draft', null)], meta: { next_page_url: null } })
      if (c.url === 'v2/Flows/FW1/Revisions/2') return json(200, { ...rev(2, 'published', 'First cut'), definition: published })
      return json(404, { message: 'not found', status: 404 })
    })
    const current = def('Hello there', [{ name: 'bye', type: 'say-play', transitions: [{ event: 'audioComplete' }], properties: { say: 'Bye', offset: { x: 0, y: 400 } } }])
    const onHighlight = vi.fn()
    const onRevert = vi.fn(() => Promise.resolve())
    await act(async () =>
      root.render(<RevisionsPanel sid="FW1" current={current} latestRevision={3} onHighlight={onHighlight} onFocusWidget={vi.fn()} onRevert={onRevert} onClose={vi.fn()} />),
    )
    await settle(50)
    await settle(200)
    const rows = () => [...host.querySelectorAll('[data-testid="revision-row"]')]
    expect(rows().map((r) => r.getAttribute('data-revision'))).toEqual(['3', '2'])
    expect(rows()[1]!.textContent).toContain('First <b>cut</b>')
    expect(host.querySelector('b')).toBeNull()
    await click(q('revisions-more'))
    expect(rows().map((r) => r.getAttribute('data-revision'))).toEqual(['3', '2', '1'])

    await click(rows()[1]!)
    await settle()
    expect(q('diff-added')!.textContent).toBe('Added (1)bye')
    expect(q('diff-changed')!.textContent).toContain('hello')
    expect(q('diff-changed')!.textContent).toContain('say')
    const h = onHighlight.mock.calls.at(-1)![0] as Map<string, string>
    expect([...h]).toEqual([['bye', 'added'], ['hello', 'changed']])

    await click(q('revert'))
    expect(q('confirm-dialog')!.textContent).toMatch(/Undo \(Ctrl\+Z\) brings it back/)
    expect(onRevert).not.toHaveBeenCalled()
    await click(q('confirm'))
    expect(onRevert).toHaveBeenCalledWith(published, 2)
    expect(onHighlight.mock.calls.at(-1)![0]).toBeNull()
  })
})

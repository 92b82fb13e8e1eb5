// @vitest-environment jsdom
import { act } from 'react'
import { createRoot, type Root } from 'react-dom/client'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Queue } from '../../api/queues'
import { QueueTile } from '../dashboard/QueueTile'
import { QueuesSection } from '../settings/QueuesSection'
import type { VoiceEvent } from '../settings/voiceEvent'
import { QueueForm } from './QueueForm'

;(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true

const json = (status: number, v: unknown) => new Response(JSON.stringify(v), { status, headers: { 'Content-Type': 'application/json' } })

const support: Queue = {
  sid: 'QU1',
  friendly_name: 'support',
  current_size: 0,
  longest_wait: 0,
  average_wait_time: 0,
  agents_free: 0,
  agents: [{ user: 'desk1', state: 'offline' }],
  max_size: 100,
  hold_music: 'tone',
  announce_position: true,
  date_created: '',
  date_updated: '',
}

let root: Root
let host: HTMLElement
const sent: { method: string; url: string; body: URLSearchParams }[] = []

/** A fake appliance: the session, one credential list with desk1 (registered) and desk2, the queues; posts answered by `post`. */
function install(queues: Queue[], post: (body: URLSearchParams) => Response = () => json(201, support)) {
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    const method = init.method ?? 'GET'
    const body = new URLSearchParams(init.body ? String(init.body) : '')
    sent.push({ method, url, body })
    if (url === 'auth/session') return json(200, { account_sid: 'AC1' })
    if (url.includes('/SIP/CredentialLists.json')) return json(200, { credential_lists: [{ sid: 'CL1', friendly_name: 'Desk phones' }] })
    if (url.includes('/Credentials.json'))
      return json(200, {
        credentials: [
          { sid: 'CR2', credential_list_sid: 'CL1', username: 'desk2', registration: null },
          { sid: 'CR1', credential_list_sid: 'CL1', username: 'desk1', registration: { contact: 'sip:desk1@127.0.0.1', source: 'udp', expires: '' } },
        ],
      })
    if (method === 'GET' && url.includes('/Queues.json')) return json(200, { queues })
    if (method === 'DELETE') return new Response(null, { status: 204 })
    return post(body)
  })
}

async function settle() {
  for (let i = 0; i < 6; i++) await act(async () => new Promise((r) => setTimeout(r, 0)))
}
const q = (id: string) => host.querySelector(`[data-testid="${id}"]`)
const all = (sel: string) => [...host.querySelectorAll(sel)]
async function type(el: Element | null, value: string) {
  const input = el as HTMLInputElement
  await act(async () => {
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(input, value)
    input.dispatchEvent(new Event('input', { bubbles: true }))
  })
}
async function click(el: Element | null) {
  await act(async () => (el as HTMLElement).click())
  await settle()
}
async function render(node: React.ReactNode) {
  await act(async () => root.render(node))
  await settle()
}

beforeEach(() => {
  sent.length = 0
  host = document.createElement('div')
  document.body.appendChild(host)
  root = createRoot(host)
})
afterEach(async () => {
  await act(async () => root.unmount())
  host.remove()
  vi.unstubAllGlobals()
})

describe('QueueForm', () => {
  it('offers the desk phones with their registration and sends the picked ones', async () => {
    install([])
    const saved = vi.fn()
    await render(<QueueForm onSaved={saved} onClose={() => {}} />)
    const options = all('[data-testid="agent-option"]')
    expect(options.map((o) => o.getAttribute('data-user'))).toEqual(['desk1', 'desk2'])
    expect(options[0]?.textContent).toContain('Registered')
    expect(options[1]?.textContent).toContain('Not registered')
    await type(q('field-FriendlyName'), 'support')
    await click(options[1]!.querySelector('input'))
    await click(options[0]!.querySelector('input'))
    await click(q('hold-file'))
    await type(q('field-HoldMusic'), 'hold.wav')
    await click(q('field-AnnouncePosition'))
    await click(q('queue-save'))
    expect(saved).toHaveBeenCalled()
    const p = sent.find((s) => s.method === 'POST')!
    expect(p.url).toBe('2010-04-01/Accounts/AC1/Queues.json')
    expect(Object.fromEntries(p.body)).toEqual({ FriendlyName: 'support', Agents: 'desk2,desk1', HoldMusic: 'hold.wav', AnnouncePosition: 'false', MaxSize: '100' })
  })

  it("shows the API's refusal beside its field and keeps what was typed", async () => {
    let answer = json(400, { code: 20001, status: 400, message: 'Invalid parameter Agents: "gone" is not a desk phone: add it to a SIP credential list first', details: { parameter: 'Agents' } })
    install([], () => answer)
    await render(<QueueForm queue={{ ...support, agents: [{ user: 'gone', state: 'offline' }] }} onSaved={() => {}} onClose={() => {}} />)
    expect(q('agent-list')?.textContent).toContain('not a desk phone any more')
    await click(q('queue-save'))
    expect(q('field-Agents-error')?.textContent).toBe('"gone" is not a desk phone: add it to a SIP credential list first')
    expect(sent.find((s) => s.method === 'POST')?.url).toBe('2010-04-01/Accounts/AC1/Queues/QU1.json')

    answer = json(409, { code: 20409, status: 409, message: 'A queue named "support" already exists', details: { parameter: 'FriendlyName' } })
    await click(q('queue-save'))
    expect(q('field-FriendlyName-error')?.textContent).toBe('A queue named "support" already exists')
    expect(q('field-Agents-error')).toBeNull()
    expect((q('field-FriendlyName') as HTMLInputElement).value).toBe('support')
  })

  it('refuses an empty name and a bad size before sending', async () => {
    install([])
    await render(<QueueForm onSaved={() => {}} onClose={() => {}} />)
    await type(q('field-MaxSize'), '0')
    await click(q('queue-save'))
    expect(q('field-FriendlyName-error')).not.toBeNull()
    expect(q('field-MaxSize-error')?.textContent).toContain('1 to 5000')
    expect(sent.some((s) => s.method === 'POST')).toBe(false)
  })
})

describe('QueuesSection', () => {
  it('tells a newcomer what a queue is for when there is none', async () => {
    install([])
    await render(<QueuesSection events={[]} now={0} />)
    expect(q('queues-section')?.textContent).toContain("Callers of a flow's Enqueue Call widget wait here until a desk phone answers")
    expect(q('queues-section')?.textContent).toContain('desk phones first')
  })

  it('lists a queue and turns its agent Free on the live event', async () => {
    install([support])
    const ev = (seq: number, data: Record<string, unknown>): VoiceEvent => ({ seq, kind: 'queue', data })
    await render(<QueuesSection events={[]} now={Date.now()} />)
    const chip = () => host.querySelector('[data-testid="queue-row"][data-name="support"] [data-testid="agent-chip"]')
    expect(chip()?.getAttribute('data-state')).toBe('offline')
    expect(chip()?.textContent).toContain('Offline (not registered)')
    const live = { sid: 'QU1', friendly_name: 'support', current_size: 2, longest_wait: 5, average_wait_time: 3, agents_free: 1, agents: [{ user: 'desk1', state: 'free' }] }
    await render(<QueuesSection events={[ev(1, live)]} now={Date.now()} />)
    expect(chip()?.getAttribute('data-state')).toBe('free')
    expect(q('queue-waiting')?.textContent).toBe('2')
    await render(<QueuesSection events={[ev(1, live)]} now={Date.now() + 3000} />)
    expect(q('queue-longest')?.textContent).toBe('8 s')
  })

  it('says what happens to the callers waiting before removing', async () => {
    install([{ ...support, current_size: 3 }])
    await render(<QueuesSection events={[]} now={0} />)
    await click(q('remove-queue'))
    expect(q('confirm-dialog')?.textContent).toContain('3 callers are waiting in it: they keep waiting until they leave')
    await click(q('confirm'))
    expect(sent.find((s) => s.method === 'DELETE')?.url).toBe('2010-04-01/Accounts/AC1/Queues/QU1.json')
  })
})

describe('QueueTile', () => {
  it('shows waiting, the longest wait ticking, agents free of total and each state', async () => {
    const queue = { ...support, current_size: 1, longest_wait: 58, agents_free: 1, agents: [{ user: 'a', state: 'free' as const }, { user: 'b', state: 'busy' as const }], at: 1000 }
    await render(<QueueTile queue={queue} now={1000} />)
    expect(q('queue-tile-waiting')?.textContent).toBe('1')
    expect(q('queue-tile-longest')?.textContent).toBe('58 s')
    expect(q('queue-tile-free')?.textContent).toBe('1 / 2')
    expect(all('[data-testid="agent-chip"]').map((c) => c.textContent)).toEqual(['aFree', 'bOn a call'])
    await render(<QueueTile queue={queue} now={4000} />)
    expect(q('queue-tile-longest')?.textContent).toBe('1 min 01 s')
  })

  it('warns when callers wait and no agent is registered', async () => {
    await render(<QueueTile queue={{ ...support, current_size: 2, at: 0 }} now={0} />)
    expect(q('queue-tile')?.className).toContain('queue-unanswered')
    expect(q('queue-tile')?.textContent).toContain('No agent is registered')
  })
})

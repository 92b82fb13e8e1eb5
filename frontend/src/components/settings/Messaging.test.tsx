// @vitest-environment jsdom
import { act } from 'react'
import { createRoot, type Root } from 'react-dom/client'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Gateway, GatewayKind } from '../../api/messaging'
import { SendMessageDialog } from '../messages/SendMessageDialog'
import { GatewayForm } from './GatewayForm'
import { MessagingSection } from './MessagingSection'
import type { VoiceEvent } from './voiceEvent'

;(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true

const json = (status: number, v: unknown) => new Response(JSON.stringify(v), { status, headers: { 'Content-Type': 'application/json' } })

const httpKind: GatewayKind = {
  name: 'http',
  title: 'HTTP gateway',
  secrets: ['password', 'generic.token'],
  inbound: true,
  schema: {
    type: 'object',
    required: ['preset'],
    properties: {
      preset: { title: 'Peer', type: 'string', enum: ['kannel', 'generic'], default: 'kannel' },
      password: { title: 'Password', type: 'string', writeOnly: true },
      dlr_mask: { title: 'Kannel dlr-mask', description: 'Kannel only: reports.', type: 'integer', default: 27 },
      generic: {
        title: 'Generic template',
        description: 'Generic only.',
        type: 'object',
        required: ['url'],
        properties: { url: { title: 'URL', type: 'string' }, token: { title: 'API token', type: 'string', writeOnly: true } },
      },
    },
    allOf: [{ if: { properties: { preset: { const: 'generic' } } }, then: { required: ['generic'] } }],
  },
}

const gateway: Gateway = {
  sid: 'SG1',
  friendly_name: 'Office',
  kind: 'http',
  addresses: ['+15550001111'],
  settings: { preset: 'generic', generic: { url: 'http://peer/send' } },
  secrets_set: ['generic.token'],
  enabled: true,
  rate_per_minute: 0,
  health: { state: 'connecting' },
  queued: 0,
  inbound_url: '/sms/gateways/SG1/',
  date_created: '',
  date_updated: '',
}

let root: Root
let host: HTMLElement
const sent: { method: string; url: string; body: URLSearchParams }[] = []

function install(h: (method: string, url: string, body: URLSearchParams) => Response) {
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    const body = new URLSearchParams(init.body ? String(init.body) : '')
    sent.push({ method: init.method ?? 'GET', url, body })
    return h(init.method ?? 'GET', url, body)
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

describe('GatewayForm', () => {
  it('saves an edit without the secret left empty (kept), without Kind, the template as JSON', async () => {
    install(() => json(200, gateway))
    const saved = vi.fn()
    await render(<GatewayForm kinds={[httpKind]} gateway={gateway} onSaved={saved} onClose={() => {}} />)
    const token = q('setting-generic.token') as HTMLInputElement
    expect(token.type).toBe('password')
    expect(token.value).toBe('')
    expect(token.placeholder).toBe('kept — type to replace')
    expect(q('setting-dlr_mask')).toBeNull()
    expect(q('inbound-url')?.textContent).toContain('/sms/gateways/SG1/')
    await click(q('gateway-save'))
    expect(saved).toHaveBeenCalled()
    const post = sent.find((s) => s.method === 'POST')!
    expect(post.url).toBe('v2/Messaging/Gateways/SG1')
    expect(post.body.has('Kind')).toBe(false)
    expect(JSON.parse(post.body.get('Settings')!)).toEqual({ preset: 'generic', generic: { url: 'http://peer/send' } })
    expect(post.body.get('Addresses')).toBe('+15550001111')
  })

  it("picks a kind first, refuses an empty required field before sending, shows the API's refusal at its field", async () => {
    install(() =>
      json(400, { code: 20001, status: 400, message: 'Invalid parameter Settings: httpgw: generic.url must be an http:// or https:// URL', details: { parameter: 'Settings' } }),
    )
    await render(<GatewayForm kinds={[httpKind]} onSaved={() => {}} onClose={() => {}} />)
    await click(q('kind-http'))
    await act(async () => {
      const sel = q('setting-preset') as HTMLSelectElement
      sel.value = 'generic'
      sel.dispatchEvent(new Event('change', { bubbles: true }))
    })
    await type(q('field-FriendlyName'), 'Peer')
    await click(q('gateway-save'))
    expect(q('setting-generic.url-error')?.textContent).toBe('Required.')
    expect(sent).toHaveLength(0)
    await type(q('setting-generic.url'), 'ftp://x')
    await click(q('gateway-save'))
    expect(sent[0]!.body.get('Kind')).toBe('http')
    expect(q('setting-generic.url-error')?.textContent).toBe('httpgw: generic.url must be an http:// or https:// URL')
  })
})

describe('MessagingSection', () => {
  it('tells a newcomer what to do when there is no gateway', async () => {
    install((_m, url) => (url.endsWith('GatewayKinds') ? json(200, { kinds: [httpKind] }) : json(200, { gateways: [], unroutable: { messages: 0, from: [] } })))
    await render(<MessagingSection events={[]} />)
    expect(q('messaging-section')?.textContent).toContain('No gateway yet')
    expect(q('messaging-section')?.textContent).toContain('Plug in a USB modem')
  })

  it('names the numbers no gateway sends from when messages failed for that', async () => {
    install((_m, url) => (url.endsWith('GatewayKinds') ? json(200, { kinds: [httpKind] }) : json(200, { gateways: [gateway], unroutable: { messages: 3, from: ['+15550009999'] } })))
    await render(<MessagingSection events={[]} />)
    const note = q('unroutable')?.textContent ?? ''
    expect(note).toContain('3 messages in the last day could not be sent')
    expect(note).toContain('+15550009999')
    expect(note).toContain("Add it to a gateway's numbers")
  })

  it('shows live health from the event stream', async () => {
    install((_m, url) => (url.endsWith('GatewayKinds') ? json(200, { kinds: [httpKind] }) : json(200, { gateways: [gateway], unroutable: { messages: 0, from: [] } })))
    await render(<MessagingSection events={[]} />)
    expect(q('gateway-status')?.textContent).toContain('Connecting…')
    const ev: VoiceEvent = { seq: 1, kind: 'gateway', data: { sid: 'SG1', health: { state: 'blocked', last_error: 'The SIM refused the PIN', signal_dbm: -79, operator: 'Telekom' } } }
    await render(<MessagingSection events={[ev]} />)
    const status = q('gateway-status')!
    expect(status.getAttribute('data-state')).toBe('blocked')
    expect(status.textContent).toContain('Blocked — needs you')
    expect(status.textContent).toContain('The SIM refused the PIN')
    expect(status.textContent).toContain('Telekom')
    expect(q('gateway-signal')?.textContent).toContain('-79 dBm')
  })
})

describe('SendMessageDialog', () => {
  it('counts parts as the body grows and shows the API refusal beside Body', async () => {
    install((_m, url) => url === 'auth/session' ? json(200, { account_sid: 'AC1' }) : json(400, { code: 21617, status: 400, message: 'The concatenated message body exceeds the 1600 character limit.', details: { parameter: 'Body' } }))
    await render(<SendMessageDialog froms={['+15550001111']} onSent={() => {}} onClose={() => {}} />)
    await type(q('field-Body'), 'a'.repeat(161))
    expect(q('segment-counter')?.getAttribute('data-parts')).toBe('2')
    expect(q('segment-counter')?.textContent).toContain('161 / 306')
    await type(q('field-To'), '+15557654321')
    await click(q('send-message'))
    const post = sent.find((s) => s.method === 'POST')!
    expect(post.url).toBe('2010-04-01/Accounts/AC1/Messages.json')
    expect(post.body.get('From')).toBe('+15550001111')
    expect(q('field-Body-error')?.textContent).toContain('1600 character limit')
  })
})

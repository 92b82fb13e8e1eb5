// @vitest-environment jsdom
import { act } from 'react'
import { createRoot, type Root } from 'react-dom/client'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { PhoneNumber } from '../../api/settings'
import { NumbersSection } from './NumbersSection'

;(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true

const json = (status: number, v: unknown) => new Response(JSON.stringify(v), { status, headers: { 'Content-Type': 'application/json' } })

const numbers: PhoneNumber[] = [
  { sid: 'PN1', phone_number: '+15550001111', friendly_name: 'Front desk', voice_url: 'FW1', sms_url: 'FW1' },
  { sid: 'PN2', phone_number: '+15550002222', friendly_name: '+15550002222', voice_url: '', sms_url: '' },
]

let root: Root
let host: HTMLElement
let listed: PhoneNumber[]
let deleteStatus: number
const sent: { method: string; url: string }[] = []

beforeEach(() => {
  sent.length = 0
  listed = [...numbers]
  deleteStatus = 204
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    const method = init.method ?? 'GET'
    sent.push({ method, url })
    if (url.endsWith('auth/session')) return json(200, { account_sid: 'AC1', principal: 'admin' })
    if (url.startsWith('v2/Flows')) return json(200, { flows: [{ sid: 'FW1', friendly_name: 'Reception' }], meta: {} })
    if (method === 'DELETE') {
      if (deleteStatus !== 204) return json(deleteStatus, { code: 20001, status: deleteStatus, message: 'the store is read-only' })
      listed = listed.filter((n) => !url.endsWith(`/${n.sid}`))
      return new Response(null, { status: 204 })
    }
    if (url.includes('/IncomingPhoneNumbers.json')) return json(200, { incoming_phone_numbers: listed })
    return json(404, { message: 'not here' })
  })
  host = document.createElement('div')
  document.body.appendChild(host)
  root = createRoot(host)
})
afterEach(async () => {
  await act(async () => root.unmount())
  host.remove()
  vi.unstubAllGlobals()
})

async function settle() {
  for (let i = 0; i < 5; i++) await act(async () => new Promise((r) => setTimeout(r, 0)))
}
async function click(el: Element | null) {
  expect(el).not.toBeNull()
  await act(async () => (el as HTMLElement).click())
  await settle()
}
const rows = () => [...host.querySelectorAll('[data-testid="number-row"]')].map((r) => r.getAttribute('data-number'))
const dialog = () => document.querySelector('[data-testid="confirm-dialog"]')

describe('NumbersSection', () => {
  it('asks before removing a number; Cancel keeps it, Remove deletes it and reads the list again', async () => {
    await act(async () => root.render(<NumbersSection />))
    await settle()
    expect(rows()).toEqual(['+15550001111', '+15550002222'])

    await click(host.querySelector('[aria-label="Remove +15550001111"]'))
    expect(dialog()?.textContent).toContain('Remove +15550001111?')
    expect(dialog()?.textContent).toContain('refused (SIP 404)')
    expect(dialog()?.textContent).toContain('“Front desk”')
    expect(sent.some((s) => s.method === 'DELETE')).toBe(false)
    await click([...dialog()!.querySelectorAll('button')].find((b) => b.textContent === 'Cancel')!)
    expect(dialog()).toBeNull()
    expect(rows()).toEqual(['+15550001111', '+15550002222'])

    await click(host.querySelector('[aria-label="Remove +15550001111"]'))
    await click(dialog()!.querySelector('[data-testid="confirm"]'))
    expect(sent.filter((s) => s.method === 'DELETE').map((s) => s.url)).toEqual(['2010-04-01/Accounts/AC1/IncomingPhoneNumbers/PN1'])
    expect(dialog()).toBeNull()
    expect(rows()).toEqual(['+15550002222'])
  })

  it('keeps the question open with the refusal when the removal fails, and the number stays', async () => {
    deleteStatus = 503
    await act(async () => root.render(<NumbersSection />))
    await settle()
    await click(host.querySelector('[aria-label="Remove +15550002222"]'))
    expect(dialog()?.textContent).not.toContain('Its name')
    await click(dialog()!.querySelector('[data-testid="confirm"]'))
    expect(dialog()?.querySelector('[role="alert"]')?.textContent).toContain('the store is read-only')
    expect(rows()).toEqual(['+15550001111', '+15550002222'])
  })
})

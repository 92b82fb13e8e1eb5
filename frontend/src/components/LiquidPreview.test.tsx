// @vitest-environment jsdom
import { act } from 'react'
import { createRoot, type Root } from 'react-dom/client'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { LiquidPreview } from './LiquidPreview'

;(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true

const json = (v: unknown) => new Response(JSON.stringify(v), { status: 200, headers: { 'Content-Type': 'application/json' } })

let host: HTMLDivElement
let root: Root
let calls: URLSearchParams[]

beforeEach(() => {
  vi.useFakeTimers()
  calls = []
  vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
    const body = new URLSearchParams(String(init.body))
    calls.push(body)
    const t = body.get('Template') ?? ''
    if (t.includes('{% if %}')) return json({ rendered: null, error: { code: 84003, kind: 'parse', message: 'syntax error', line: 2, column: 1 } })
    const ctx = JSON.parse(body.get('Context') ?? '{}')
    return json({ rendered: t.replace('{{name}}', ctx.name ?? ''), error: null })
  })
  host = document.createElement('div')
  document.body.append(host)
  root = createRoot(host)
})

afterEach(() => {
  act(() => root.unmount())
  host.remove()
  vi.unstubAllGlobals()
  vi.useRealTimers()
})

async function show(template: string, context: Record<string, unknown> = { name: '<b>Ann</b>' }) {
  act(() => root.render(<LiquidPreview template={template} context={context} />))
  await act(async () => {
    await vi.advanceTimersByTimeAsync(400)
  })
}

describe('LiquidPreview', () => {
  it('renders against the context, as text', async () => {
    await show('Hi {{name}}')
    expect(host.querySelector('output')?.textContent).toBe('Hi <b>Ann</b>')
    expect(host.querySelector('b')).toBeNull()
    expect(calls).toHaveLength(1)
    expect(JSON.parse(calls[0]!.get('Context')!)).toEqual({ name: '<b>Ann</b>' })
  })
  it('shows the renderer error with its line', async () => {
    await show('x\n{% if %}')
    expect(host.querySelector('[data-testid=liquid-preview-error]')?.textContent).toBe('Line 2, column 1: syntax error')
  })
  it('asks nothing for text without Liquid', async () => {
    await show('plain words')
    expect(host.querySelector('[data-testid=liquid-preview]')).toBeNull()
    expect(calls).toHaveLength(0)
  })
  it('waits for typing to pause: one request for a burst of edits', async () => {
    for (const t of ['{{n', '{{na', '{{name', '{{name}}']) {
      act(() => root.render(<LiquidPreview template={t} context={{ name: 'Bo' }} />))
      await act(async () => {
        await vi.advanceTimersByTimeAsync(50)
      })
    }
    await act(async () => {
      await vi.advanceTimersByTimeAsync(400)
    })
    expect(calls.map((c) => c.get('Template'))).toEqual(['{{name}}'])
    expect(host.querySelector('output')?.textContent).toBe('Bo')
  })
})

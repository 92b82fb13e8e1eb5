// @vitest-environment jsdom
import { act } from 'react'
import { createRoot, type Root } from 'react-dom/client'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { settleMs, useLiveList, type LiveList } from './useLiveList'
import type { VoiceEvent } from './voiceEvent'

;(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true

interface Row {
  id: string
  state: string
}

const merge = (l: Row[], d: Record<string, unknown>) => l.map((r) => (r.id === d.id ? { ...r, state: String(d.state) } : r))

let root: Root
let host: HTMLDivElement
let got: LiveList<Row>

function Probe(props: { read: () => Promise<Row[]>; events: VoiceEvent[]; unsettled?: (l: Row[]) => boolean }) {
  got = useLiveList<Row>({ read: props.read, live: { events: props.events, kind: 'trunk', merge }, unsettled: props.unsettled })
  return null
}

async function render(p: Parameters<typeof Probe>[0]) {
  await act(async () => root.render(<Probe {...p} />))
}

beforeEach(() => {
  host = document.createElement('div')
  root = createRoot(host)
})
afterEach(() => {
  act(() => root.unmount())
  vi.useRealTimers()
})

describe('useLiveList', () => {
  it('reads at mount and says a failed read in words, keeping nothing stale', async () => {
    await render({ read: () => Promise.reject(new Error('401: sign in again')), events: [] })
    expect(got.items).toBeNull()
    expect(got.error).toBe('401: sign in again')
    await render({ read: () => Promise.resolve([{ id: 'a', state: 'ok' }]), events: [] })
    await act(() => got.reload())
    expect(got.items).toEqual([{ id: 'a', state: 'ok' }])
    expect(got.error).toBeNull()
  })

  it('merges only new events of its kind, each once', async () => {
    const read = vi.fn(() => Promise.resolve([{ id: 'a', state: 'registering' }]))
    await render({ read, events: [] })
    const events: VoiceEvent[] = [
      { seq: 1, kind: 'trunk', data: { id: 'a', state: 'registered' } },
      { seq: 2, kind: 'gateway', data: { id: 'a', state: 'failed' } },
    ]
    await render({ read, events })
    expect(got.items).toEqual([{ id: 'a', state: 'registered' }])
    // A later event list holding the old ones too: only seq 3 is new.
    await render({ read, events: [...events, { seq: 3, kind: 'trunk', data: { id: 'a', state: 'failed' } }] })
    expect(got.items).toEqual([{ id: 'a', state: 'failed' }])
    expect(read).toHaveBeenCalledTimes(1)
  })

  it('reads an unsettled list again until it settles', async () => {
    vi.useFakeTimers()
    let state = 'registering'
    const read = vi.fn(() => Promise.resolve([{ id: 'a', state }]))
    await render({ read, events: [], unsettled: (l) => l.some((r) => r.state === 'registering') })
    expect(read).toHaveBeenCalledTimes(1)
    await act(async () => vi.advanceTimersByTime(settleMs))
    expect(read).toHaveBeenCalledTimes(2)
    state = 'registered'
    await act(async () => vi.advanceTimersByTime(settleMs))
    expect(read).toHaveBeenCalledTimes(3)
    expect(got.items).toEqual([{ id: 'a', state: 'registered' }])
    await act(async () => vi.advanceTimersByTime(3 * settleMs))
    expect(read).toHaveBeenCalledTimes(3)
  })
})

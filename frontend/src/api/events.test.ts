import { describe, expect, it } from 'vitest'
import { openStream, parseStreamEvent, reconnectDelayMs, streamURL, type EventSourceLike, type StreamState } from './events'

class FakeSource implements EventSourceLike {
  onopen: ((ev: Event) => unknown) | null = null
  onmessage: ((ev: MessageEvent) => unknown) | null = null
  onerror: ((ev: Event) => unknown) | null = null
  closed = false
  constructor(readonly url: string) {}
  close() {
    this.closed = true
  }
  open() {
    this.onopen?.(new Event('open'))
  }
  send(data: string) {
    this.onmessage?.(new MessageEvent('message', { data }))
  }
  fail() {
    this.onerror?.(new Event('error'))
  }
}

function harness() {
  const sources: FakeSource[] = []
  const timers: { f: () => void; ms: number; cleared: boolean }[] = []
  const states: StreamState[] = []
  const events: string[] = []
  let opens = 0
  const close = openStream('v2/Events/Stream?flow_sid=FW1', {
    factory: (u) => {
      const s = new FakeSource(u)
      sources.push(s)
      return s
    },
    setTimer: (f, ms) => {
      const t = { f, ms, cleared: false }
      timers.push(t)
      return t
    },
    clearTimer: (t) => {
      ;(t as { cleared: boolean }).cleared = true
    },
    onState: (s) => states.push(s),
    onEvent: (e) => events.push(e.type),
    onOpen: () => opens++,
  })
  const fire = () => timers[timers.length - 1]!.f()
  return { sources, timers, states, events, close, fire, opens: () => opens }
}

describe('openStream', () => {
  it('is live once open and passes CloudEvents on', () => {
    const h = harness()
    expect(h.states).toEqual(['connecting'])
    h.sources[0]!.open()
    expect(h.states).toEqual(['connecting', 'live'])
    h.sources[0]!.send('{"id":"EV1","type":"com.twilio.studio.flow.execution.started","data":{"execution_sid":"FN1"}}')
    h.sources[0]!.send('not json')
    expect(h.events).toEqual(['com.twilio.studio.flow.execution.started'])
    expect(h.sources[0]!.url).toBe('v2/Events/Stream?flow_sid=FW1')
  })
  it('reconnects after an error with a growing pause, reset once open', () => {
    const h = harness()
    h.sources[0]!.open()
    h.sources[0]!.fail()
    expect(h.sources[0]!.closed).toBe(true)
    expect(h.states.at(-1)).toBe('reconnecting')
    expect(h.timers.map((t) => t.ms)).toEqual([1000])
    h.fire()
    h.sources[1]!.fail()
    h.fire()
    h.sources[2]!.fail()
    expect(h.timers.map((t) => t.ms)).toEqual([1000, 2000, 4000])
    h.fire()
    h.sources[3]!.open()
    expect(h.states.at(-1)).toBe('live')
    expect(h.opens()).toBe(2) // the caller reloads what it missed
    h.sources[3]!.fail()
    expect(h.timers.at(-1)?.ms).toBe(1000)
  })
  it('ignores a stale source and stops for good when closed', () => {
    const h = harness()
    h.sources[0]!.fail()
    h.sources[0]!.send('{"type":"x","data":{}}') // the old source after it failed
    expect(h.events).toEqual([])
    h.close()
    expect(h.timers[0]!.cleared).toBe(true)
    expect(h.states.at(-1)).toBe('closed')
    expect(h.sources).toHaveLength(1)
  })
})

describe('helpers', () => {
  it('caps the reconnect pause at 30 s', () => {
    expect([0, 1, 4, 5, 20].map(reconnectDelayMs)).toEqual([1000, 2000, 16000, 30000, 30000])
  })
  it('builds the stream URL relative', () => {
    expect(streamURL('FW1')).toBe('v2/Events/Stream?flow_sid=FW1')
    expect(streamURL()).toBe('v2/Events/Stream')
  })
  it('refuses what is not a CloudEvent', () => {
    expect(parseStreamEvent('{"type":1,"data":{}}')).toBeNull()
    expect(parseStreamEvent('{"type":"t","data":null}')).toBeNull()
    expect(parseStreamEvent('{"type":"t","data":{"a":1}}')?.data).toEqual({ a: 1 })
  })
})

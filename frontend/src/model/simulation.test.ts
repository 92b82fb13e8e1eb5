import { describe, expect, it } from 'vitest'
import { checkFlowTest, inputKinds, notSavable, rowsToMocks, runMarks, testWarnings, toFlowTest, triggerChannels, uniqueName, type SimulationView } from './simulation'

const call: SimulationView = {
  channel: 'voice',
  from: '+15550001111',
  to: '+15550002222',
  status: 'ended',
  end_reason: 'completed',
  path: ['Trigger', 'main_menu', 'route_choice', 'opening_hours'],
  failed_widgets: [],
  inputs: ['1'],
  mocks: [],
  transcript: [
    { kind: 'say', text: 'Welcome.' },
    { kind: 'input', text: '1' },
    { kind: 'say', text: 'We are open.' },
    { kind: 'ended', text: 'completed' },
  ],
}

type Json = Record<string, unknown>
const schemaDoc = Object.values(import.meta.glob('@schema/flowtest.json', { eager: true, import: 'default' }))[0] as Json
const defs = (schemaDoc as Json).$defs as Json
const testSchema = defs.test as Json
const props = testSchema.properties as Json

describe('toFlowTest', () => {
  it('turns a call into a test of the flow-test format that the schema allows', () => {
    const t = toFlowTest(call, ' Opening hours ')
    expect(t).toEqual({
      name: 'Opening hours',
      trigger: 'call',
      from: '+15550001111',
      to: '+15550002222',
      inputs: ['1'],
      expect: { path: call.path, says: ['Welcome.', 'We are open.'], ended: true, end_reason: 'completed' },
    })
    expect(checkFlowTest(t)).toEqual([])
    // Every key it writes is one the schema defines, and the trigger one of its values.
    for (const k of Object.keys(t)) expect(Object.keys(props)).toContain(k)
    const expectProps = ((props.expect as Json).properties as Json)
    for (const k of Object.keys(t.expect)) expect(Object.keys(expectProps)).toContain(k)
    expect((props.trigger as Json).enum).toContain(t.trigger)
    for (const r of testSchema.required as string[]) expect(t).toHaveProperty(r)
  })

  it('writes a chat with its first message, messages, mocks, and drops a trailing hang-up', () => {
    const chat: SimulationView = {
      ...call,
      channel: 'messaging',
      body: 'hello',
      end_reason: 'ended by user',
      inputs: ['yes', '/hangup'],
      mocks: [{ method: 'GET', url: 'http://crm.test/a', status: 200, body: { ok: true } }],
      transcript: [
        { kind: 'input', text: 'hello' },
        { kind: 'message', text: 'Are you sure?' },
        { kind: 'message', text: 'Done.' },
      ],
    }
    const t = toFlowTest(chat, 'chat')
    expect(t.trigger).toBe('message')
    expect(t.body).toBe('hello')
    expect(t.inputs).toEqual(['yes'])
    expect(t.http).toEqual(chat.mocks)
    expect(t.http?.[0]).not.toBe(chat.mocks[0])
    expect(t.expect.messages).toEqual(['Are you sure?', 'Done.'])
    expect(t.expect.says).toBeUndefined()
    expect(t.expect.end_reason).toBe('ended by user')
    expect(checkFlowTest(t)).toEqual([])
    const mockProps = Object.keys((((props.http as Json).items as Json).properties as Json))
    for (const k of Object.keys(t.http![0]!)) expect(mockProps).toContain(k)
  })

  it('refuses a conversation still going on', () => {
    expect(notSavable({ status: 'waiting' })).toMatch(/Finish the conversation/)
    expect(notSavable({ status: 'ended' })).toBeNull()
  })
})

describe('checkFlowTest', () => {
  it.each([
    [null, 'not an object'],
    [{ trigger: 'call', expect: {} }, 'name'],
    [{ name: 'x', trigger: 'fax', expect: {} }, 'trigger'],
    [{ name: 'x', trigger: 'call', inputs: [1], expect: {} }, 'inputs'],
    [{ name: 'x', trigger: 'call', http: [{ method: 'PUT', url: 'a' }], expect: {} }, 'http/0/method'],
    [{ name: 'x', trigger: 'call', http: [{}], expect: {} }, 'http/0/url'],
    [{ name: 'x', trigger: 'call', expect: { says: 'hi' } }, 'expect/says'],
    [{ name: 'x', trigger: 'call', expect: { nope: 1 } }, 'expect/nope'],
    [{ name: 'x', trigger: 'call' }, 'expect'],
    [{ name: 'x', trigger: 'call', expect: {}, extra: 1 }, 'extra'],
  ])('finds the problem in %j', (t, where) => {
    const p = checkFlowTest(t)
    expect(p.length).toBeGreaterThan(0)
    expect(p.join('\n')).toContain(where)
  })

  it('accepts every test of the demo flow’s test file', async () => {
    const file = (await import('../../../app/demo/demo-ivr.test.json')).default as { tests: unknown[] }
    for (const t of file.tests) expect(checkFlowTest(t)).toEqual([])
  })
})

describe('runMarks', () => {
  it('marks the path visited, the waiting widget current and error widgets failed', () => {
    const m = runMarks({ path: ['Trigger', 'a', 'b'], current_widget: 'c', failed_widgets: ['b'], status: 'waiting' })
    expect([...m]).toEqual([
      ['Trigger', 'visited'],
      ['a', 'visited'],
      ['b', 'failed'],
      ['c', 'current'],
    ])
    expect(runMarks({ path: ['Trigger'], current_widget: 'c', failed_widgets: [], status: 'ended' }).has('c')).toBe(false)
  })
})

describe('rowsToMocks', () => {
  it('skips empty rows, reads JSON bodies and keeps text bodies', () => {
    const r = rowsToMocks([
      { method: 'GET', url: ' http://a.test/x ', status: '200', body: '{"ok":true}' },
      { method: '', url: '', status: '200', body: '' },
      { method: 'POST', url: 'https://b.test/y', status: '', body: 'plain words' },
    ])
    expect(r.problems).toEqual([])
    expect(r.mocks).toEqual([
      { method: 'GET', url: 'http://a.test/x', status: 200, body: { ok: true } },
      { method: 'POST', url: 'https://b.test/y', body: 'plain words' },
    ])
  })
  it('names the row of each mistake', () => {
    const r = rowsToMocks([
      { method: 'GET', url: 'ftp://x', status: '200', body: '' },
      { method: 'GET', url: 'http://x.test/', status: '99', body: '' },
    ])
    expect(r.mocks).toEqual([])
    expect(r.problems[0]).toMatch(/^Mock 1: .*http/)
    expect(r.problems[1]).toMatch(/^Mock 2: .*“99”/)
  })
})

describe('helpers', () => {
  it('uniqueName counts past the names taken', () => {
    expect(uniqueName('Call', [])).toBe('Call')
    expect(uniqueName('Call', ['Call', 'Call 2'])).toBe('Call 3')
    expect(uniqueName('  ', [])).toBe('Simulated conversation')
  })
  it('testWarnings names each request that went out, once', () => {
    const w = testWarnings({
      transcript: [
        { kind: 'http', method: 'GET', url: 'http://a.test/', mocked: false },
        { kind: 'http', method: 'GET', url: 'http://a.test/', mocked: false },
        { kind: 'http', method: 'GET', url: 'http://m.test/', mocked: true },
      ],
    })
    expect(w).toHaveLength(1)
    expect(w[0]).toContain('GET http://a.test/')
  })
  it('inputKinds says which controls the wait takes', () => {
    expect(inputKinds(['digits', 'speech', 'timeout', 'hangup'])).toEqual({ keys: true, speech: true, reply: false, timeout: true, other: false })
    expect(inputKinds(['recording', 'hangup']).other).toBe(true)
  })
})

describe('triggerChannels', () => {
  it('reads which trigger events lead somewhere', async () => {
    const demo = (await import('../../../app/demo/demo-ivr.json')).default as Parameters<typeof triggerChannels>[0]
    expect(triggerChannels(demo)).toEqual({ voice: true, messaging: true })
    expect(
      triggerChannels({ initial_state: 'T', states: [{ name: 'T', transitions: [{ event: 'incomingCall' }, { event: 'incomingMessage', next: 'x' }] }] }),
    ).toEqual({ voice: false, messaging: true })
  })
})

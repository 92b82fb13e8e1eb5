import { describe, expect, it } from 'vitest'
import {
  applyStreamEvent,
  EXECUTION_ENDED,
  EXECUTION_STARTED,
  executionQuery,
  eventLabel,
  matchesFilters,
  noFilters,
  pathMarks,
  recordingPath,
  STEP_ENDED,
  stepDetails,
  timelineRows,
  type Execution,
  type Step,
} from './executions'

const FW = 'FW00000000000000000000000000000001'
const step = (from: string, name: string, to: string, extra: Partial<Step> = {}): Step => ({
  sid: 'FT' + from,
  flow_sid: FW,
  execution_sid: 'FN1',
  name,
  transitioned_from: from,
  transitioned_to: to,
  date_created: '2025-01-01T00:00:00Z',
  ...extra,
})

describe('pathMarks', () => {
  const ivr = [step('Trigger', 'incomingCall', 'menu'), step('menu', 'keypress', 'split'), step('split', 'match', 'sales')]
  it('marks visited widgets and the current one of an active execution', () => {
    expect([...pathMarks(ivr, 'active', FW)]).toEqual([
      ['Trigger', 'visited'],
      ['menu', 'visited'],
      ['split', 'visited'],
      ['sales', 'current'],
    ])
  })
  it('has no current widget once ended', () => {
    expect(pathMarks(ivr, 'ended', FW).get('sales')).toBeUndefined()
  })
  it('marks the widget where the execution failed', () => {
    const steps = [
      step('Trigger', 'incomingCall', 'http'),
      step('http', 'failed', 'Ended', { events: [{ level: 'error', code: 81014, message: 'no answer' }] }),
    ]
    const m = pathMarks(steps, 'ended', FW)
    expect(m.get('http')).toBe('failed')
    expect(m.get('Trigger')).toBe('visited')
  })
  it('keeps a warning as visited', () => {
    const steps = [step('Trigger', 'incomingCall', 'say'), step('say', 'audioComplete', 'Ended', { events: [{ level: 'warning', message: 'w' }] })]
    expect(pathMarks(steps, 'ended', FW).get('say')).toBe('visited')
  })
  it('leaves out subflow steps and widgets gone from the flow', () => {
    const steps = [
      step('Trigger', 'incomingCall', 'sub'),
      step('inner', 'success', 'Ended', { flow_sid: 'FW00000000000000000000000000000002' }),
      step('gone', 'next', 'sub'),
    ]
    const m = pathMarks(steps, 'active', FW, new Set(['Trigger', 'sub']))
    expect([...m.keys()].sort()).toEqual(['Trigger', 'sub'])
    expect(m.get('sub')).toBe('current')
  })
})

describe('timelineRows', () => {
  it('gives widget, event, transition and events apart', () => {
    const rows = timelineRows(
      [
        step('Trigger', 'incomingCall', 'say', { type: 'trigger' }),
        step('say', 'audioComplete', 'Ended', {
          type: 'say-play',
          events: [
            { level: 'error', code: 84003, message: 'bad liquid' },
            { level: 'warning', message: 'careful' },
            { level: 'info', message: 'fyi' },
          ],
        }),
      ],
      FW,
    )
    expect(rows.map((r) => [r.widget, r.event, r.to, r.type])).toEqual([
      ['Trigger', 'incomingCall', 'say', 'trigger'],
      ['say', 'audioComplete', 'Ended', 'say-play'],
    ])
    expect(rows[1]!.errors.map(eventLabel)).toEqual(['Error 84003'])
    expect(rows[1]!.warnings.map(eventLabel)).toEqual(['Warning'])
    expect(rows[0]!.subflow).toBe(false)
  })
})

describe('filters', () => {
  it('builds Studio and Switchboard query parameters', () => {
    const q = new URLSearchParams(executionQuery({ from: '2025-03-01', to: '2025-03-02', status: 'active', contact: ' +15550001111 ' }))
    expect(q.get('Status')).toBe('active')
    expect(q.get('ContactChannelAddress')).toBe('+15550001111')
    const from = Date.parse(q.get('DateCreatedFrom') ?? '')
    const to = Date.parse(q.get('DateCreatedTo') ?? '')
    expect(to - from).toBeGreaterThanOrEqual(2 * 23 * 3600_000) // the "to" day is included
    expect(new Date(from).getDate()).toBe(1)
  })
  it('sends nothing for empty filters but the page size', () => {
    expect(executionQuery(noFilters)).toBe('PageSize=50')
  })
  it('matches live executions like the server', () => {
    const e = { status: 'active', contact_channel_address: '+1555', date_created: new Date().toISOString() }
    expect(matchesFilters(e, { ...noFilters, status: 'ended' })).toBe(false)
    expect(matchesFilters(e, { ...noFilters, contact: '+1555' })).toBe(true)
    expect(matchesFilters(e, { ...noFilters, contact: '+1666' })).toBe(false)
    expect(matchesFilters(e, { ...noFilters, from: '2100-01-01' })).toBe(false)
  })
})

describe('applyStreamEvent', () => {
  const started = { execution_sid: 'FN2', flow_sid: FW, contact_channel_address: '+1555', status: 'active', date_created: new Date().toISOString() }
  const one: Execution[] = [{ sid: 'FN1', flow_sid: FW, contact_channel_address: '+1444', status: 'active', date_created: '2025-01-01T00:00:00Z', date_updated: null }]
  it('puts a started execution first, once', () => {
    const a = applyStreamEvent(one, EXECUTION_STARTED, started, noFilters)
    expect(a.map((e) => e.sid)).toEqual(['FN2', 'FN1'])
    expect(applyStreamEvent(a, EXECUTION_STARTED, started, noFilters)).toHaveLength(2)
  })
  it('skips one the filters exclude', () => {
    expect(applyStreamEvent(one, EXECUTION_STARTED, started, { ...noFilters, contact: '+1444' })).toHaveLength(1)
  })
  it('ends one, and drops it from a list of active ones', () => {
    const ended = { execution_sid: 'FN1', status: 'ended', date_updated: '2025-01-01T00:01:00Z' }
    expect(applyStreamEvent(one, EXECUTION_ENDED, ended, noFilters)[0]!.status).toBe('ended')
    expect(applyStreamEvent(one, EXECUTION_ENDED, ended, { ...noFilters, status: 'active' })).toHaveLength(0)
  })
  it('notes a step as an update', () => {
    const a = applyStreamEvent(one, STEP_ENDED, { execution_sid: 'FN1', date_created: '2025-01-01T00:00:05Z' }, noFilters)
    expect(a[0]!.date_updated).toBe('2025-01-01T00:00:05Z')
  })
})

describe('stepDetails', () => {
  it('reads outputs, rendered Liquid, the traced request and response, and recordings', () => {
    const d = stepDetails(
      {
        widgets: { rec: { RecordingUrl: 'http://127.0.0.1:8080/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Recordings/RE42.wav' } },
        trace: {
          rendered: [{ template: 'Hi {{contact.channel.address}}', value: 'Hi +1555' }, 'junk'],
          request: { method: 'POST', url: 'http://x/' },
          response: { status_code: 200 },
        },
      },
      'rec',
    )
    expect(d.outputs).not.toBeNull()
    expect(d.rendered).toEqual([{ template: 'Hi {{contact.channel.address}}', value: 'Hi +1555' }])
    expect(d.request?.method).toBe('POST')
    expect(d.response?.status_code).toBe(200)
    expect(d.recordings).toEqual(['2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Recordings/RE42.wav'])
  })
  it('tolerates an empty or odd context', () => {
    expect(stepDetails(null, 'x')).toEqual({ outputs: null, rendered: [], request: null, response: null, recordings: [] })
    expect(stepDetails({ widgets: [], trace: 'x' }, 'x').outputs).toBeNull()
  })
  it('never plays an outside recording URL', () => {
    expect(recordingPath('https://evil.example/x.wav')).toBe('')
    expect(recordingPath('javascript:alert(1)//2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Recordings/RE1')).toBe('')
  })
})

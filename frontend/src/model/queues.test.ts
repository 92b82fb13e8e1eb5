import { describe, expect, it } from 'vitest'
import type { Queue } from '../api/queues'
import type { Credential } from '../api/settings'
import {
  agentChip,
  agentChoices,
  emptyQueue,
  formatWait,
  longestWaitNow,
  mergeQueueEvent,
  parseQueueEvent,
  queueDraftOf,
  queueDraftProblems,
  queueInput,
  timed,
  toggleAgent,
} from './queues'

const queue = (over: Partial<Queue> = {}): Queue => ({
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
  ...over,
})

describe('agentChip', () => {
  it.each([
    ['free', 'Free', 'ok'],
    ['ringing', 'Ringing', 'busy'],
    ['busy', 'On a call', 'call'],
    ['offline', 'Offline (not registered)', 'off'],
  ] as const)('%s → %s', (state, label, tone) => {
    expect(agentChip(state)).toMatchObject({ label, tone })
  })
  it('is short in tight places', () => expect(agentChip('offline', true).label).toBe('Offline'))
})

describe('formatWait', () => {
  it.each([
    [0, '—'],
    [-3, '—'],
    [Number.NaN, '—'],
    [1, '1 s'],
    [59.9, '59 s'],
    [60, '1 min 00 s'],
    [185, '3 min 05 s'],
    [3600, '1 h 00 min'],
    [3725, '1 h 02 min'],
  ])('%d → %s', (s, want) => expect(formatWait(s)).toBe(want))
})

describe('longestWaitNow', () => {
  it('ticks while someone waits', () => {
    const q = { ...queue({ current_size: 2, longest_wait: 10 }), at: 1000 }
    expect(longestWaitNow(q, 1000)).toBe(10)
    expect(longestWaitNow(q, 4500)).toBe(13)
    expect(longestWaitNow(q, 500)).toBe(10) // a clock step back never shrinks it below the reading
  })
  it('is zero when nobody waits', () => {
    expect(longestWaitNow({ ...queue({ current_size: 0, longest_wait: 7 }), at: 0 }, 9000)).toBe(0)
  })
})

describe('parseQueueEvent and mergeQueueEvent', () => {
  const ev = {
    sid: 'QU1',
    friendly_name: 'support',
    current_size: 1,
    longest_wait: 4,
    average_wait_time: 4,
    agents_free: 1,
    agents: [{ user: 'desk1', state: 'free' }],
  }
  it('refuses what is not a queue', () => {
    expect(parseQueueEvent({ ...ev, sid: 3 })).toBeNull()
    expect(parseQueueEvent({ ...ev, agents: [{ user: 'x', state: 'asleep' }] })).toBeNull()
    expect(parseQueueEvent({ ...ev, agents: 'desk1' })).toBeNull()
    expect(parseQueueEvent(ev)).toMatchObject({ sid: 'QU1', current_size: 1 })
  })
  it('replaces the live fields, keeps the settings and stamps the time', () => {
    const list = timed([queue({ max_size: 7, hold_music: 'jingle.wav' }), queue({ sid: 'QU2', friendly_name: 'sales' })], 0)
    const out = mergeQueueEvent(list, ev, 5000)
    const q = out.find((x) => x.sid === 'QU1')
    expect(q).toMatchObject({ current_size: 1, agents_free: 1, max_size: 7, hold_music: 'jingle.wav', at: 5000 })
    expect(q?.agents).toEqual([{ user: 'desk1', state: 'free' }])
    expect(out.find((x) => x.sid === 'QU2')).toBe(list.find((x) => x.sid === 'QU2'))
  })
  it("takes the settings an edit's event carries, and ignores bad ones", () => {
    const list = timed([queue({ max_size: 7, hold_music: 'tone', announce_position: false })], 0)
    const out = mergeQueueEvent(list, { ...ev, max_size: 20, hold_music: 'jingle.wav', announce_position: true }, 9)
    expect(out[0]).toMatchObject({ max_size: 20, hold_music: 'jingle.wav', announce_position: true, at: 9 })
    const bad = mergeQueueEvent(list, { ...ev, max_size: -1, hold_music: '', announce_position: 'yes' }, 9)
    expect(bad[0]).toMatchObject({ max_size: 7, hold_music: 'tone', announce_position: false })
  })
  it('ignores an unknown queue unless told how to add it', () => {
    const list = timed([queue({ sid: 'QU9', friendly_name: 'zeta' })], 0)
    expect(mergeQueueEvent(list, ev, 1)).toBe(list)
    const added = mergeQueueEvent(list, ev, 1, (live) => ({ ...queue(), ...live, at: 0 }))
    expect(added.map((q) => q.friendly_name)).toEqual(['support', 'zeta'])
    expect(added[0]?.at).toBe(1)
  })
  it('ignores a broken event', () => {
    const list = timed([queue()], 0)
    expect(mergeQueueEvent(list, { nonsense: true }, 1)).toBe(list)
  })
  it('drops a removed queue, even from a list that would add unknown ones', () => {
    const list = timed([queue(), queue({ sid: 'QU2', friendly_name: 'sales' })], 0)
    const removed = { sid: 'QU1', friendly_name: 'support', agents: [], removed: true }
    const out = mergeQueueEvent(list, removed, 1, (live) => ({ ...queue(), ...live, at: 0 }))
    expect(out.map((q) => q.sid)).toEqual(['QU2'])
  })
})

describe('the queue form', () => {
  it('round-trips a queue with a hold file', () => {
    const d = queueDraftOf(queue({ hold_music: 'hold.wav', agents: [{ user: 'a', state: 'free' }, { user: 'b', state: 'busy' }], max_size: 20, announce_position: false }))
    expect(d).toMatchObject({ Hold: 'file', HoldFile: 'hold.wav', Agents: ['a', 'b'] })
    expect(queueInput(d)).toEqual({ FriendlyName: 'support', Agents: 'a,b', HoldMusic: 'hold.wav', AnnouncePosition: 'false', MaxSize: '20' })
  })
  it('sends tone for the tone, whatever file was typed', () => {
    expect(queueInput({ ...emptyQueue(), FriendlyName: ' q ', Hold: 'tone', HoldFile: 'x.wav' })).toMatchObject({ FriendlyName: 'q', HoldMusic: 'tone', Agents: '' })
  })
  it('finds problems before sending', () => {
    expect(queueDraftProblems({ ...emptyQueue(), FriendlyName: ' ', Hold: 'file', MaxSize: '0' })).toEqual({
      FriendlyName: expect.any(String),
      HoldMusic: expect.any(String),
      MaxSize: expect.any(String),
    })
    expect(queueDraftProblems({ ...emptyQueue(), FriendlyName: 'q', MaxSize: '5000' })).toEqual({})
    expect(queueDraftProblems({ ...emptyQueue(), FriendlyName: 'q', MaxSize: '2.5' })).toHaveProperty('MaxSize')
  })
})

describe('agentChoices', () => {
  const phone = (username: string, registered: boolean): Credential => ({
    sid: 'CR' + username,
    credential_list_sid: 'CL1',
    username,
    password_set: true,
    date_created: '',
    registration: registered ? { contact: 'sip:x', source: 'udp', expires: '' } : null,
  })
  it('offers each desk phone once, sorted, with its registration, and keeps picked ones that are gone', () => {
    expect(agentChoices([phone('b', true), phone('a', false), phone('b', true)], ['gone', 'a'])).toEqual([
      { user: 'a', registered: false, missing: false },
      { user: 'b', registered: true, missing: false },
      { user: 'gone', registered: false, missing: true },
    ])
  })
  it('toggles an agent', () => {
    expect(toggleAgent(['a'], 'b', true)).toEqual(['a', 'b'])
    expect(toggleAgent(['a', 'b'], 'a', false)).toEqual(['b'])
    expect(toggleAgent(['a'], 'a', true)).toEqual(['a'])
  })
})

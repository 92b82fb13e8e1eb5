import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Autosaver, classifySaveError, retryDelayMs, type SaveState } from './autosave'
import { backupKey, keepBackup, readBackup } from './draftBackup'

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
  }
}

describe('classifySaveError', () => {
  it.each([
    [new TypeError('Failed to fetch'), 'retry', 0],
    [new HttpError(0, 'no answer'), 'retry', 0],
    [new HttpError(503, 'busy'), 'retry', 503],
    [new HttpError(429, 'slow down'), 'retry', 429],
    [new HttpError(401, 'Authenticate'), 'signin', 401],
    [new HttpError(400, 'Flow definition validation failed: x'), 'stop', 400],
    [new HttpError(404, 'not found'), 'stop', 404],
    [new HttpError(409, 'conflict'), 'stop', 409],
  ])('%s → %s', (err, action, status) => {
    const info = classifySaveError(err)
    expect(info.action).toBe(action)
    expect(info.status).toBe(status)
    if (action === 'stop') expect(info.message).toBe((err as Error).message)
  })
})

describe('retryDelayMs', () => {
  it('doubles from 1 s and stops growing at the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((a) => retryDelayMs(a))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000])
    expect(retryDelayMs(3, 3000)).toBe(3000)
  })
})

type V = { n: number }

function setup(answers: ((v: V) => Promise<string>)[] = []) {
  const sent: V[] = []
  const states: SaveState[] = []
  const backups: (V | null)[] = []
  const saved0: V = { n: 0 }
  let queue = [...answers]
  const s = new Autosaver<V, string>({
    saved: saved0,
    save: (v) => {
      sent.push(v)
      const a = queue.shift()
      return a ? a(v) : Promise.resolve(`ok ${v.n}`)
    },
    onState: (st) => states.push(st),
    onBackup: (v) => backups.push(v),
  })
  return { s, sent, states, backups, saved0, push: (a: (v: V) => Promise<string>) => (queue = [...queue, a]) }
}

const fail = (status: number, message = `failed ${status}`) => () => Promise.reject(new HttpError(status, message))
const kinds = (states: SaveState[]) => states.map((x) => x.kind)

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('Autosaver', () => {
  it('sends the last of a burst of edits one quiet second later, and only that one', async () => {
    const { s, sent, states } = setup()
    s.edit({ n: 1 })
    await vi.advanceTimersByTimeAsync(500)
    const last = { n: 2 }
    s.edit(last)
    await vi.advanceTimersByTimeAsync(999)
    expect(sent).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(sent).toEqual([last])
    expect(s.dirty).toBe(false)
    expect(kinds(states).at(-1)).toBe('saved')
  })

  it('an undo back to the saved value sends nothing', async () => {
    const { s, sent, saved0, backups } = setup()
    s.edit({ n: 1 })
    s.edit(saved0)
    await vi.advanceTimersByTimeAsync(5000)
    expect(sent).toEqual([])
    expect(s.current.kind).toBe('saved')
    expect(backups.at(-1)).toBeNull()
  })

  it('an edit made during a save is sent after it', async () => {
    let release!: () => void
    const { s, sent } = setup([() => new Promise((r) => (release = () => r('ok')))])
    const a = { n: 1 }
    const b = { n: 2 }
    s.edit(a)
    await vi.advanceTimersByTimeAsync(1000)
    s.edit(b)
    expect(sent).toEqual([a])
    release()
    await vi.advanceTimersByTimeAsync(1000)
    expect(sent).toEqual([a, b])
    expect(s.dirty).toBe(false)
  })

  it('keeps the edit through network failures, retrying with a growing pause until saved', async () => {
    const net = () => Promise.reject(new TypeError('Failed to fetch'))
    const { s, sent, backups } = setup([net, net, net])
    const v = { n: 1 }
    s.edit(v)
    expect(backups.at(-1)).toBe(v)
    await vi.advanceTimersByTimeAsync(1000)
    expect(sent.length).toBe(1)
    expect(s.current).toMatchObject({ kind: 'retrying', attempt: 1, status: 0 })
    await vi.advanceTimersByTimeAsync(999)
    expect(sent.length).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(sent.length).toBe(2)
    await vi.advanceTimersByTimeAsync(2000)
    expect(sent.length).toBe(3)
    expect(s.current).toMatchObject({ kind: 'retrying', attempt: 3 })
    // An edit while waiting does not reset the pause: the timer sends the newest value.
    const w = { n: 2 }
    s.edit(w)
    await vi.advanceTimersByTimeAsync(3999)
    expect(sent.length).toBe(3)
    await vi.advanceTimersByTimeAsync(1)
    expect(sent.at(-1)).toBe(w)
    expect(s.current.kind).toBe('saved')
    expect(s.dirty).toBe(false)
    expect(backups.at(-1)).toBeNull()
  })

  it('a refused save (4xx) stops, keeps the edit and the message, and the next edit tries again', async () => {
    const { s, sent, backups } = setup([fail(400, 'Flow definition validation failed: bad')])
    s.edit({ n: 1 })
    await vi.advanceTimersByTimeAsync(1000)
    expect(s.current).toMatchObject({ kind: 'refused', status: 400, message: 'Flow definition validation failed: bad' })
    await vi.advanceTimersByTimeAsync(60_000)
    expect(sent.length).toBe(1) // no retry loop
    expect(s.dirty).toBe(true)
    expect(backups.at(-1)).toEqual({ n: 1 })
    const next = { n: 2 }
    s.edit(next)
    expect(s.current.kind).toBe('pending')
    await vi.advanceTimersByTimeAsync(1000)
    expect(sent.at(-1)).toBe(next)
    expect(s.current.kind).toBe('saved')
  })

  it('a 404 (flow deleted) is refused the same way, with the server message', async () => {
    const { s, sent } = setup([fail(404, 'The requested resource was not found')])
    s.edit({ n: 1 })
    await vi.advanceTimersByTimeAsync(10_000)
    expect(sent.length).toBe(1)
    expect(s.current).toMatchObject({ kind: 'refused', status: 404, message: 'The requested resource was not found' })
  })

  it('401 waits for sign-in, then sends the newest edit', async () => {
    const { s, sent } = setup([fail(401, 'Authenticate')])
    s.edit({ n: 1 })
    await vi.advanceTimersByTimeAsync(1000)
    expect(s.current.kind).toBe('signin')
    const later = { n: 2 }
    s.edit(later)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(sent.length).toBe(1)
    s.signedIn()
    await vi.advanceTimersByTimeAsync(0)
    expect(sent.at(-1)).toBe(later)
    expect(s.current.kind).toBe('saved')
  })

  it('flush sends now and resolves when saved; it rejects with a refusal', async () => {
    const { s, sent, push } = setup()
    const v = { n: 1 }
    s.edit(v)
    await s.flush()
    expect(sent).toEqual([v])
    push(fail(409, 'conflict'))
    s.edit({ n: 2 })
    await expect(s.flush()).rejects.toThrow('conflict')
    expect(s.current.kind).toBe('refused')
  })

  it('commit waits for a save under way, then sends the value; the draft loop does not send it again', async () => {
    let release!: () => void
    const { s, sent } = setup([() => new Promise((r) => (release = () => r('draft')))])
    const a = { n: 1 }
    s.edit(a)
    await vi.advanceTimersByTimeAsync(1000)
    const pub: V[] = []
    const p = s.commit(a, async (v) => {
      pub.push(v)
      return 'published'
    })
    await vi.advanceTimersByTimeAsync(0)
    expect(pub).toEqual([]) // waits for the draft save
    release()
    await expect(p).resolves.toBe('published')
    expect(pub).toEqual([a])
    await vi.advanceTimersByTimeAsync(5000)
    expect(sent).toEqual([a])
    expect(s.current.kind).toBe('saved')
  })

  it('a failed commit is thrown and a dirty draft is still saved by the loop', async () => {
    const { s, sent } = setup()
    const v = { n: 1 }
    s.edit(v)
    await expect(s.commit(v, () => Promise.reject(new HttpError(400, 'has errors')))).rejects.toThrow('has errors')
    await vi.advanceTimersByTimeAsync(1000)
    expect(sent).toEqual([v])
  })
})

describe('draft backup', () => {
  const mem = () => {
    const m = new Map<string, string>()
    return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), removeItem: (k: string) => void m.delete(k), m }
  }
  it('keeps, reads and forgets a draft per flow; a broken entry is forgotten', () => {
    const st = mem()
    keepBackup(st, 'FW1', { definition: '{"states":[]}', at: 5, revision: 3 })
    expect(readBackup(st, 'FW1')).toEqual({ definition: '{"states":[]}', at: 5, revision: 3 })
    expect(readBackup(st, 'FW2')).toBeNull()
    keepBackup(st, 'FW1', null)
    expect(readBackup(st, 'FW1')).toBeNull()
    st.setItem(backupKey('FW3'), '{oops')
    expect(readBackup(st, 'FW3')).toBeNull()
    expect(st.m.has(backupKey('FW3'))).toBe(false)
  })
  it('a full storage loses nothing in memory and throws nothing', () => {
    const full = { getItem: () => null, setItem: () => { throw new Error('QuotaExceededError') }, removeItem: () => undefined }
    expect(() => keepBackup(full, 'FW1', { definition: 'x', at: 1, revision: 1 })).not.toThrow()
  })
})

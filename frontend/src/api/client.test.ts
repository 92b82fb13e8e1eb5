import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, Client, NetworkError, relative } from './client'

interface Seen {
  url: string
  init: RequestInit
}

function fakeFetch(answers: (() => Response)[]): { seen: Seen[]; fn: typeof fetch } {
  const seen: Seen[] = []
  const fn = (async (url: string, init: RequestInit) => {
    seen.push({ url, init })
    const next = answers.shift()
    if (!next) throw new Error('no answer left')
    return next()
  }) as unknown as typeof fetch
  return { seen, fn }
}

const json = (status: number, v: unknown) => () =>
  new Response(JSON.stringify(v), { status, headers: { 'Content-Type': 'application/json' } })

afterEach(() => {
  vi.unstubAllGlobals()
  vi.useRealTimers()
})

describe('Client', () => {
  it('sends form-encoded, same-origin requests with X-Requested-With on relative URLs', async () => {
    const f = fakeFetch([json(201, { sid: 'FW1', friendly_name: 'a & b' })])
    vi.stubGlobal('fetch', f.fn)
    const flow = await new Client().createFlow({ FriendlyName: 'a & b', Status: 'draft', Definition: '{"x":1}' })
    expect(flow.sid).toBe('FW1')
    const s = f.seen[0]!
    expect(s.url).toBe('v2/Flows')
    expect(s.init.method).toBe('POST')
    expect(s.init.credentials).toBe('same-origin')
    const h = s.init.headers as Record<string, string>
    expect(h['X-Requested-With']).toBe('switchboard')
    expect(h['Content-Type']).toBe('application/x-www-form-urlencoded')
    expect(String(s.init.body)).toBe('FriendlyName=a+%26+b&Status=draft&Definition=%7B%22x%22%3A1%7D')
  })

  it("turns Twilio's error shape into an ApiError with the validator's problems", async () => {
    const f = fakeFetch([
      json(400, { code: 81022, message: 'Flow definition validation failed: bad', more_info: 'u', status: 400, errors: [{ message: 'bad', property_path: '#/states' }] }),
    ])
    vi.stubGlobal('fetch', f.fn)
    const err = await new Client().validateFlow({ FriendlyName: 'x', Status: 'draft', Definition: '{' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    const e = err as ApiError
    expect([e.status, e.code, e.message]).toEqual([400, 81022, 'Flow definition validation failed: bad'])
    expect(e.errors).toEqual([{ message: 'bad', property_path: '#/states' }])
  })

  it('calls onUnauthorized on a 401, but not for the sign-in form', async () => {
    const f = fakeFetch([json(401, { code: 20003, message: 'Authenticate', status: 401 }), json(401, { code: 20003, message: 'Authenticate', status: 401 })])
    vi.stubGlobal('fetch', f.fn)
    const onUnauthorized = vi.fn()
    const c = new Client({ onUnauthorized })
    await expect(c.signIn('AC1', 'bad')).rejects.toMatchObject({ status: 401 })
    expect(onUnauthorized).not.toHaveBeenCalled()
    await expect(c.listFlows()).rejects.toMatchObject({ status: 401 })
    expect(onUnauthorized).toHaveBeenCalledTimes(1)
  })

  it('retries a network failure and reports the connection down, then up', async () => {
    vi.useFakeTimers()
    const down = () => {
      throw new TypeError('Failed to fetch')
    }
    const f = fakeFetch([down, down, json(200, { flows: [{ sid: 'FW1' }], meta: { next_page_url: null } })])
    vi.stubGlobal('fetch', f.fn)
    const states: boolean[] = []
    const p = new Client({ onConnection: (o) => states.push(o) }).listFlows()
    await vi.advanceTimersByTimeAsync(5000)
    const flows = await p
    expect(flows.map((x) => x.sid)).toEqual(['FW1'])
    expect(f.seen).toHaveLength(3)
    expect(states).toEqual([false, true])
  })

  it('a draft save does not retry a network failure itself: it throws NetworkError (status 0) for the autosave policy', async () => {
    const f = fakeFetch([
      () => {
        throw new TypeError('Failed to fetch')
      },
    ])
    vi.stubGlobal('fetch', f.fn)
    const states: boolean[] = []
    const err = await new Client({ onConnection: (o) => states.push(o) }).saveDraft('FW1', 'Main', '{}').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NetworkError)
    expect((err as NetworkError).status).toBe(0)
    expect(f.seen).toHaveLength(1)
    expect(states).toEqual([false])
  })

  it('publishes with Status=published, the definition and a trimmed commit message; test users go as repeated keys', async () => {
    const f = fakeFetch([json(200, { sid: 'FW1', status: 'published' }), json(200, { sid: 'FW1', test_users: ['+15551234567', '+15557654321'] }), json(200, { sid: 'FW1', test_users: [] })])
    vi.stubGlobal('fetch', f.fn)
    const c = new Client()
    await c.publishFlow('FW1', '{"states":[]}', '  first cut ')
    expect(f.seen[0]!.url).toBe('v2/Flows/FW1')
    expect(Object.fromEntries(new URLSearchParams(String(f.seen[0]!.init.body)))).toEqual({ Status: 'published', Definition: '{"states":[]}', CommitMessage: 'first cut' })
    expect(await c.setTestUsers('FW1', ['+15551234567', '+15557654321'])).toEqual(['+15551234567', '+15557654321'])
    expect(String(f.seen[1]!.init.body)).toBe('TestUsers=%2B15551234567&TestUsers=%2B15557654321')
    await c.setTestUsers('FW1', [])
    expect(String(f.seen[2]!.init.body)).toBe('TestUsers=')
  })

  it('latestPublished is null for a flow never published; a sign-in tells its listeners', async () => {
    const f = fakeFetch([json(404, { code: 20404, message: 'not found', status: 404 }), json(201, {})])
    vi.stubGlobal('fetch', f.fn)
    const c = new Client()
    expect(await c.latestPublished('FW1')).toBeNull()
    expect(f.seen[0]!.url).toBe('v2/Flows/FW1/Revisions/LatestPublished')
    const heard = vi.fn()
    c.onSignIn(heard)
    await c.signIn('AC1', 'token')
    expect(heard).toHaveBeenCalledTimes(1)
  })

  it('follows next_page_url as a relative URL', async () => {
    const f = fakeFetch([
      json(200, { flows: [{ sid: 'FW1' }], meta: { next_page_url: 'http://127.0.0.1:8080/v2/Flows?PageSize=1&Page=1&PageToken=PT1' } }),
      json(200, { flows: [{ sid: 'FW2' }], meta: { next_page_url: null } }),
    ])
    vi.stubGlobal('fetch', f.fn)
    const flows = await new Client().listFlows()
    expect(flows.map((x) => x.sid)).toEqual(['FW1', 'FW2'])
    expect(f.seen[1]!.url).toBe('v2/Flows?PageSize=1&Page=1&PageToken=PT1')
  })

  it('exports the stored definition with its literals unchanged', async () => {
    const body = '{"sid":"FW1","friendly_name":"Main","definition":{"states":[{"x":1.50}],"flags":null},"status":"draft"}'
    const f = fakeFetch([() => new Response(body, { status: 200 })])
    vi.stubGlobal('fetch', f.fn)
    const out = await new Client().exportFlow('FW1')
    expect(f.seen[0]!.url).toBe('v2/Flows/FW1')
    expect(out).toEqual({ name: 'Main', text: '{\n  "states": [\n    {\n      "x": 1.50\n    }\n  ],\n  "flags": null\n}\n' })
  })

  it('relative() strips origin and leading slashes', () => {
    expect(relative('https://h/v2/Flows?x=1')).toBe('v2/Flows?x=1')
  })
})

// A small typed client of Switchboard's public REST API (Studio v2 shapes).
// Every URL is relative to the page, every request is same-origin with the
// X-Requested-With header, requests are form-encoded like Twilio's and
// responses are JSON. A 401 calls onUnauthorized (the app shows the sign-in
// page); a network failure calls onConnection(false) and the request is
// retried with a growing pause until the server answers again.

import { exportText, rawMember, reindent } from '../format'

export type FlowStatus = 'draft' | 'published'

export interface Problem {
  message: string
  property_path: string
}

export interface Flow {
  sid: string
  account_sid: string
  friendly_name: string
  definition: unknown
  status: FlowStatus
  revision: number
  commit_message: string | null
  valid: boolean
  errors: Problem[]
  warnings: Problem[]
  date_created: string
  date_updated: string | null
  webhook_url: string
  url: string
}

export interface FlowRevision {
  sid: string
  friendly_name: string
  definition: unknown
  status: FlowStatus
  revision: number
  commit_message: string | null
  valid: boolean | null
  errors: Problem[]
  date_created: string
  date_updated: string | null
}

export interface SessionInfo {
  account_sid: string
  principal: string
  desktop: boolean
}

export interface FlowInput {
  FriendlyName?: string
  Status: FlowStatus
  Definition?: string
  CommitMessage?: string
}

/** An error in Twilio's shape: {code, message, more_info, status}. */
export class ApiError extends Error {
  readonly status: number
  readonly code: number | null
  readonly moreInfo: string | null
  readonly errors: Problem[]
  /** The parameter the error is about (`details.parameter`), or null. */
  readonly parameter: string | null
  constructor(status: number, message: string, code: number | null, moreInfo: string | null, errors: Problem[], parameter: string | null = null) {
    super(message)
    this.parameter = parameter
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.moreInfo = moreInfo
    this.errors = errors
  }
}

export interface ClientHooks {
  onUnauthorized?: () => void
  onConnection?: (online: boolean) => void
}

/** No answer from the server (the request did not reach it, or the answer was lost). */
export class NetworkError extends Error {
  readonly status = 0
  constructor(message = 'Cannot reach Switchboard') {
    super(message)
    this.name = 'NetworkError'
  }
}

export interface TestUsers {
  sid: string
  test_users: string[]
}

export interface RevisionsPage {
  revisions: FlowRevision[]
  /** The relative path of the next (older) page, or null. */
  next: string | null
}

interface RequestOptions {
  /** A repeated key (TestUsers) is an array. */
  form?: Record<string, string | string[] | undefined>
  /** false: a network failure throws NetworkError instead of being retried here (autosave has its own policy). */
  retryNetwork?: boolean
  /** false: a 401 is returned to the caller without calling onUnauthorized (the sign-in form). */
  signOutOn401?: boolean
}

const pauseMs = (attempt: number) => Math.min(1000 * 2 ** attempt, 10_000)

function encodeForm(form: Record<string, string | string[] | undefined>): URLSearchParams {
  const body = new URLSearchParams()
  for (const [k, v] of Object.entries(form)) {
    if (Array.isArray(v)) for (const x of v) body.append(k, x)
    else if (v !== undefined) body.append(k, v)
  }
  return body
}

function asProblems(v: unknown): Problem[] {
  if (!Array.isArray(v)) return []
  return v
    .filter((p): p is Record<string, unknown> => typeof p === 'object' && p !== null)
    .map((p) => ({
      message: typeof p.message === 'string' ? p.message : String(p.message ?? ''),
      property_path: typeof p.property_path === 'string' ? p.property_path : '',
    }))
}

/** The relative form of a URL the server returned (next_page_url is absolute). */
export function relative(url: string): string {
  try {
    const u = new URL(url, 'http://x/')
    return (u.pathname + u.search).replace(/^\/+/, '')
  } catch {
    return url.replace(/^\/+/, '')
  }
}

export class Client {
  private hooks: ClientHooks
  private online = true
  private signInListeners = new Set<() => void>()

  constructor(hooks: ClientHooks = {}) {
    this.hooks = hooks
  }

  setHooks(hooks: ClientHooks): void {
    this.hooks = hooks
  }

  private setOnline(online: boolean) {
    if (this.online !== online) {
      this.online = online
      this.hooks.onConnection?.(online)
    }
  }

  /** Sends one request; returns the parsed JSON (null for an empty body). */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const text = await this.send(method, path, opts)
    if (text === '') return null as T
    return JSON.parse(text) as T
  }

  /** Sends one request; returns the body text of a 2xx answer, throws ApiError otherwise. */
  async send(method: string, path: string, opts: RequestOptions = {}): Promise<string> {
    const headers: Record<string, string> = { 'X-Requested-With': 'switchboard', Accept: 'application/json' }
    let body: URLSearchParams | undefined
    if (opts.form) {
      body = encodeForm(opts.form)
      headers['Content-Type'] = 'application/x-www-form-urlencoded'
    }
    let res: Response
    for (let attempt = 0; ; attempt++) {
      try {
        res = await fetch(path, { method, headers, body, credentials: 'same-origin' })
        this.setOnline(true)
        break
      } catch {
        this.setOnline(false)
        if (opts.retryNetwork === false) throw new NetworkError()
        await new Promise((r) => setTimeout(r, pauseMs(attempt)))
      }
    }
    const text = await res.text()
    let data: unknown = null
    if (text !== '') {
      try {
        data = JSON.parse(text)
      } catch {
        data = null
      }
    }
    if (res.ok) return text
    if (res.status === 401 && opts.signOutOn401 !== false) this.hooks.onUnauthorized?.()
    const e = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>
    const message =
      typeof e.message === 'string' && e.message !== ''
        ? e.message
        : `The server answered ${res.status} ${res.statusText}`.trim()
    throw new ApiError(
      res.status,
      message,
      typeof e.code === 'number' ? e.code : null,
      typeof e.more_info === 'string' ? e.more_info : null,
      asProblems(e.errors),
      typeof e.details === 'object' && e.details !== null && typeof (e.details as Record<string, unknown>).parameter === 'string'
        ? ((e.details as Record<string, unknown>).parameter as string)
        : null,
    )
  }

  // --- session -----------------------------------------------------------

  /** true when the browser holds a valid session. */
  async sessionActive(): Promise<boolean> {
    return (await this.session()) !== null
  }

  /**
   * Who is signed in, or null when nobody is. `desktop` is true in the
   * desktop window, which the Switchboard process signs in itself (there is
   * no session to sign out of).
   */
  async session(): Promise<SessionInfo | null> {
    try {
      const s = await this.request<Partial<SessionInfo> | null>('GET', 'auth/session', { signOutOn401: false })
      return { account_sid: s?.account_sid ?? '', principal: s?.principal ?? '', desktop: s?.desktop === true }
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return null
      throw e
    }
  }

  async signIn(username: string, password: string): Promise<unknown> {
    const r = await this.request('POST', 'auth/session', { form: { Username: username, Password: password }, signOutOn401: false })
    for (const f of [...this.signInListeners]) f()
    return r
  }

  /** Calls f after each successful sign-in (autosave resumes); returns the unsubscribe. */
  onSignIn(f: () => void): () => void {
    this.signInListeners.add(f)
    return () => this.signInListeners.delete(f)
  }

  signOut(): Promise<unknown> {
    return this.request('DELETE', 'auth/session', { signOutOn401: false })
  }

  // --- flows -------------------------------------------------------------

  /** Every flow (follows next_page_url). Definitions are null in the list. */
  async listFlows(): Promise<Flow[]> {
    const out: Flow[] = []
    let path: string | null = 'v2/Flows?PageSize=1000'
    for (let pages = 0; path && pages < 100; pages++) {
      const page: { flows?: Flow[]; meta?: { next_page_url?: string | null } } = await this.request('GET', path)
      out.push(...(page.flows ?? []))
      const next = page.meta?.next_page_url
      path = next ? relative(next) : null
    }
    return out
  }

  getFlow(sid: string): Promise<Flow> {
    return this.request('GET', `v2/Flows/${encodeURIComponent(sid)}`)
  }

  /**
   * A flow's definition as Studio's export: the stored JSON re-indented with
   * 2 spaces, every key, null and number literal exactly as stored.
   */
  async exportFlow(sid: string): Promise<{ name: string; text: string }> {
    const text = await this.send('GET', `v2/Flows/${encodeURIComponent(sid)}`)
    const flow = JSON.parse(text) as Flow
    const raw = rawMember(text, 'definition')
    return { name: flow.friendly_name, text: raw !== null ? reindent(raw) : exportText(flow.definition) }
  }

  createFlow(input: FlowInput & { FriendlyName: string; Definition: string }): Promise<Flow> {
    return this.request('POST', 'v2/Flows', { form: { ...input } })
  }

  updateFlow(sid: string, input: FlowInput): Promise<Flow> {
    return this.request('POST', `v2/Flows/${encodeURIComponent(sid)}`, { form: { ...input } })
  }

  deleteFlow(sid: string): Promise<unknown> {
    return this.request('DELETE', `v2/Flows/${encodeURIComponent(sid)}`)
  }

  /** Flow Validate: resolves when valid, throws ApiError (code 81022, errors) when not. */
  validateFlow(input: FlowInput & { FriendlyName: string; Definition: string }): Promise<{ valid: boolean }> {
    return this.request('POST', 'v2/Flows/Validate', { form: { ...input } })
  }

  /** Saves a draft revision (autosave): a network failure throws NetworkError so the caller's policy decides. */
  saveDraft(sid: string, friendlyName: string, definition: string): Promise<Flow> {
    return this.request('POST', `v2/Flows/${encodeURIComponent(sid)}`, {
      form: { FriendlyName: friendlyName, Status: 'draft', Definition: definition },
      retryNetwork: false,
    })
  }

  /** Publishes: a new revision with Status=published; the server refuses (400, 81022, errors) a definition with errors. */
  publishFlow(sid: string, definition: string, commitMessage: string): Promise<Flow> {
    const form: Record<string, string> = { Status: 'published', Definition: definition }
    if (commitMessage.trim() !== '') form.CommitMessage = commitMessage.trim()
    return this.request('POST', `v2/Flows/${encodeURIComponent(sid)}`, { form, retryNetwork: false })
  }

  /** One page of revisions, newest first (no definitions). `path` is a page's next link. */
  async revisionsPage(sid: string, path?: string, pageSize = 50): Promise<RevisionsPage> {
    const page: { revisions?: FlowRevision[]; meta?: { next_page_url?: string | null } } = await this.request(
      'GET',
      path ?? `v2/Flows/${encodeURIComponent(sid)}/Revisions?PageSize=${pageSize}`,
    )
    const next = page.meta?.next_page_url
    return { revisions: page.revisions ?? [], next: next ? relative(next) : null }
  }

  /** One revision with its definition; `which` is a number, LatestPublished or LatestRevision. */
  getRevision(sid: string, which: number | 'LatestPublished' | 'LatestRevision'): Promise<FlowRevision> {
    return this.request('GET', `v2/Flows/${encodeURIComponent(sid)}/Revisions/${which}`)
  }

  /** The newest published revision, or null when the flow was never published. */
  async latestPublished(sid: string): Promise<FlowRevision | null> {
    try {
      return await this.getRevision(sid, 'LatestPublished')
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return null
      throw e
    }
  }

  async getTestUsers(sid: string): Promise<string[]> {
    const r: TestUsers = await this.request('GET', `v2/Flows/${encodeURIComponent(sid)}/TestUsers`)
    return r.test_users ?? []
  }

  /** Replaces the test users (an empty list clears them). */
  async setTestUsers(sid: string, users: string[]): Promise<string[]> {
    const r: TestUsers = await this.request('POST', `v2/Flows/${encodeURIComponent(sid)}/TestUsers`, {
      form: { TestUsers: users.length > 0 ? users : [''] },
    })
    return r.test_users ?? []
  }

  async listRevisions(sid: string): Promise<FlowRevision[]> {
    const page: { revisions?: FlowRevision[] } = await this.request(
      'GET',
      `v2/Flows/${encodeURIComponent(sid)}/Revisions?PageSize=1000`,
    )
    return page.revisions ?? []
  }
}

export const client = new Client()

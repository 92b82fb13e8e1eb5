// Draft autosave that never loses an edit, apart from React and the network:
// what to do when a save fails (classifySaveError), how long to wait before
// the next try (retryDelayMs), and the saver itself (Autosaver), which holds
// the latest edit until the server has it.
//
// - A network failure, a timeout, 429 or a 5xx: keep the edit and try again
//   with a growing pause (1 s, 2 s, 4 s … up to 30 s) until it is saved.
// - 401: the session ended; wait for sign-in (signedIn()) and save then.
// - Any other 4xx (400 invalid definition, 404 flow deleted, 409 …): stop
//   trying, keep the edit, show the server's message; the next edit tries again.

export type SaveAction = 'retry' | 'signin' | 'stop'

export interface SaveErrorInfo {
  action: SaveAction
  /** What to tell the person. */
  message: string
  /** The HTTP status (0: the server could not be reached). */
  status: number
}

/**
 * What a failed save means. An error with a numeric `status` is an HTTP
 * answer (0: no answer); anything else (a TypeError from fetch) is a network failure.
 */
export function classifySaveError(err: unknown): SaveErrorInfo {
  const status = typeof (err as { status?: unknown })?.status === 'number' ? (err as { status: number }).status : 0
  const said = err instanceof Error && err.message ? err.message : String(err)
  if (status === 0) return { action: 'retry', status, message: 'Cannot reach Switchboard' }
  if (status === 401) return { action: 'signin', status, message: 'Signed out: sign in to save' }
  if (status === 408 || status === 429 || status >= 500) return { action: 'retry', status, message: said }
  return { action: 'stop', status, message: said }
}

/** The pause before retry number `attempt` (1, 2, …): 1 s doubling, at most maxMs. */
export function retryDelayMs(attempt: number, maxMs = 30_000): number {
  return Math.min(1000 * 2 ** Math.max(0, attempt - 1), maxMs)
}

export type SaveState =
  | { kind: 'saved' }
  /** An edit waits for the quiet second before it is sent. */
  | { kind: 'pending' }
  | { kind: 'saving' }
  /** The last try failed for a passing reason; the next is at `retryAt` (ms since epoch). */
  | { kind: 'retrying'; message: string; status: number; retryAt: number; attempt: number }
  /** Waiting for sign-in. */
  | { kind: 'signin'; message: string }
  /** The server refused the edit; the next edit tries again. */
  | { kind: 'refused'; message: string; status: number; error: unknown }

export interface AutosaverOptions<T, R> {
  /** The value the server has now. */
  saved: T
  /** Sends a draft; resolves with the server's answer. */
  save: (value: T) => Promise<R>
  delayMs?: number
  maxRetryMs?: number
  now?: () => number
  setTimer?: (f: () => void, ms: number) => unknown
  clearTimer?: (t: unknown) => void
  onState?: (s: SaveState) => void
  onSaved?: (value: T, answer: R) => void
  /** The unsaved edit (to keep outside memory), or null once the server has it. */
  onBackup?: (value: T | null) => void
}

/**
 * One flow's autosave. edit() after every change; the value is sent a quiet
 * `delayMs` later, one request at a time; an edit made during a save is
 * sent after it. Values are compared by identity (the history hands back the
 * same object on undo).
 */
export class Autosaver<T, R> {
  private saved: T
  private latest: T
  private state: SaveState = { kind: 'saved' }
  private timer: unknown = null
  private running: Promise<void> | null = null
  private attempt = 0
  private readonly o: Required<Omit<AutosaverOptions<T, R>, 'onState' | 'onSaved' | 'onBackup'>> &
    Pick<AutosaverOptions<T, R>, 'onState' | 'onSaved' | 'onBackup'>

  constructor(opts: AutosaverOptions<T, R>) {
    this.o = {
      delayMs: 1000,
      maxRetryMs: 30_000,
      now: () => Date.now(),
      setTimer: (f, ms) => setTimeout(f, ms),
      clearTimer: (t) => clearTimeout(t as ReturnType<typeof setTimeout>),
      ...opts,
    }
    this.saved = opts.saved
    this.latest = opts.saved
  }

  get current(): SaveState {
    return this.state
  }

  /** true while the latest edit is not on the server. */
  get dirty(): boolean {
    return this.latest !== this.saved
  }

  get savedValue(): T {
    return this.saved
  }

  private set(s: SaveState) {
    this.state = s
    this.o.onState?.(s)
  }

  private schedule(ms: number) {
    if (this.timer !== null) this.o.clearTimer(this.timer)
    this.timer = this.o.setTimer(() => {
      this.timer = null
      void this.run()
    }, ms)
  }

  private cancel() {
    if (this.timer !== null) this.o.clearTimer(this.timer)
    this.timer = null
  }

  /** A new value from the editor. */
  edit(value: T): void {
    this.latest = value
    if (!this.dirty) {
      if (!this.running) {
        this.cancel()
        this.attempt = 0
        this.set({ kind: 'saved' })
      }
      this.o.onBackup?.(null)
      return
    }
    this.o.onBackup?.(value)
    if (this.running) return // sent after the current save
    switch (this.state.kind) {
      case 'retrying': // the back-off timer sends the latest value
      case 'signin': // sent after sign-in
        return
      default:
        this.set({ kind: 'pending' })
        this.schedule(this.o.delayMs)
    }
  }

  /** The session is back: send what waits. */
  signedIn(): void {
    if (this.state.kind === 'signin' || this.state.kind === 'retrying') {
      this.attempt = 0
      this.cancel()
      void this.run()
    }
  }

  /** Sends the latest edit now (no quiet second) and resolves when the server has it; rejects with the error when it refuses. */
  async flush(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      if (this.running) {
        await this.running
        continue
      }
      if (!this.dirty) return
      this.cancel()
      this.attempt = 0
      const err = await this.send(this.latest)
      if (err !== undefined) throw err
    }
  }

  /**
   * Sends a value outside the draft loop (publish): waits for a save under way,
   * then sends `value` with `send`; on success the server has `value`. A
   * failure is thrown to the caller and the draft loop carries on.
   */
  async commit<A extends R>(value: T, send: (value: T) => Promise<A>): Promise<A> {
    while (this.running) await this.running
    this.cancel()
    let done!: () => void
    this.running = new Promise((r) => (done = r))
    this.set({ kind: 'saving' })
    try {
      const answer = await send(value)
      this.saved = value
      this.attempt = 0
      this.o.onSaved?.(value, answer)
      return answer
    } finally {
      this.running = null
      done()
      this.afterSave()
    }
  }

  private afterSave() {
    if (this.dirty) {
      this.o.onBackup?.(this.latest)
      this.set({ kind: 'pending' })
      this.schedule(this.o.delayMs)
    } else {
      this.o.onBackup?.(null)
      this.set({ kind: 'saved' })
    }
  }

  private async run(): Promise<void> {
    if (this.running || !this.dirty) return
    await this.send(this.latest)
  }

  /** One request; returns the error when it failed (undefined when saved). */
  private async send(value: T): Promise<unknown> {
    let done!: () => void
    this.running = new Promise((r) => (done = r))
    this.set({ kind: 'saving' })
    let failure: unknown
    try {
      const answer = await this.o.save(value)
      this.saved = value
      this.attempt = 0
      this.running = null
      this.o.onSaved?.(value, answer)
      this.afterSave()
    } catch (err) {
      failure = err
      this.running = null
      const info = classifySaveError(err)
      if (!this.dirty) {
        // An undo brought the draft back to what the server has: nothing to send.
        this.afterSave()
      } else if (info.action === 'retry') {
        this.attempt++
        const ms = retryDelayMs(this.attempt, this.o.maxRetryMs)
        this.set({ kind: 'retrying', message: info.message, status: info.status, retryAt: this.o.now() + ms, attempt: this.attempt })
        this.schedule(ms)
      } else if (info.action === 'signin') {
        this.set({ kind: 'signin', message: info.message })
      } else {
        this.attempt = 0
        this.set({ kind: 'refused', message: info.message, status: info.status, error: err })
      }
    } finally {
      done()
    }
    return failure
  }
}

// The undo/redo stack of definitions. A run of pushes with the same
// coalesceKey, each within 1 s of the one before (a drag, a run of typing),
// is one undo step.

export const coalesceMs = 1000

export class History<T> {
  private past: T[] = []
  private future: T[] = []
  private present: T
  private lastKey: string | undefined
  private lastAt = 0

  constructor(initial: T, private readonly limit = 100) {
    this.present = initial
  }

  get current(): T {
    return this.present
  }
  get canUndo(): boolean {
    return this.past.length > 0
  }
  get canRedo(): boolean {
    return this.future.length > 0
  }

  /** Makes next current and clears redo. The same value as current is ignored. */
  push(next: T, coalesceKey?: string): void {
    if (next === this.present) return
    const now = Date.now()
    const coalesce = coalesceKey !== undefined && coalesceKey === this.lastKey && now - this.lastAt < coalesceMs && this.past.length > 0
    if (!coalesce) {
      this.past.push(this.present)
      if (this.past.length > this.limit) this.past.splice(0, this.past.length - this.limit)
    }
    this.present = next
    this.future = []
    this.lastKey = coalesceKey
    this.lastAt = now
  }

  /** Steps back; returns the new current (unchanged when there is nothing to undo). */
  undo(): T {
    if (this.past.length === 0) return this.present
    this.future.push(this.present)
    this.present = this.past.pop() as T
    this.lastKey = undefined
    return this.present
  }

  /** Steps forward; returns the new current (unchanged when there is nothing to redo). */
  redo(): T {
    if (this.future.length === 0) return this.present
    this.past.push(this.present)
    this.present = this.future.pop() as T
    this.lastKey = undefined
    return this.present
  }

  /** Forgets all history: value becomes current (a flow loaded or reloaded). */
  reset(value: T): void {
    this.past = []
    this.future = []
    this.present = value
    this.lastKey = undefined
  }
}

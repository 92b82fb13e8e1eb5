/** A live change from the event stream, numbered in arrival order. */
export interface VoiceEvent {
  seq: number
  kind: 'trunk' | 'registration' | 'gateway' | 'queue'
  data: Record<string, unknown>
}

/** The events after seq, and the new last seq (events come in bursts; none may be lost). */
export function eventsAfter(events: VoiceEvent[], seq: number, kind: VoiceEvent['kind']): { fresh: VoiceEvent[]; last: number } {
  const fresh = events.filter((e) => e.seq > seq && e.kind === kind)
  const last = events.length ? Math.max(seq, events[events.length - 1]?.seq ?? seq) : seq
  return { fresh, last }
}

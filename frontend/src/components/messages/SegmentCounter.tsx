import { countSegments, maxBody } from '../../model/messaging'

/** Characters and SMS parts a body takes, and what its encoding means. */
export function SegmentCounter({ body }: { body: string }) {
  const s = countSegments(body)
  const over = body.length > maxBody
  return (
    <span className={over ? 'segment-counter error-text' : 'segment-counter'} data-testid="segment-counter" data-parts={s.parts}>
      {s.units} / {s.parts * s.perPart} · {s.parts} {s.parts === 1 ? 'part' : 'parts'} · {s.encoding}
      {s.encoding === 'UCS-2' && <span className="muted"> (a character outside GSM-7 makes every part hold 70, or 67 when split)</span>}
      {over && <span> · over {maxBody} characters</span>}
    </span>
  )
}

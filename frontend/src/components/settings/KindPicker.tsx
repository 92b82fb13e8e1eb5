import type { GatewayKind } from '../../api/messaging'

/** When to choose each kind: one line per kind the API knows (others show their title only). */
const when: Record<string, string> = {
  modem: 'A USB 3G/4G stick or modem with a SIM, plugged into this machine. The simplest start.',
  smpp: 'An operator or SMS aggregator gave you an SMPP account (host, system id, password).',
  http: 'Kannel, the SMS Gateway for Android app on a phone, or any provider with an HTTP API.',
}

/** Simplest first. */
const order = ['modem', 'smpp', 'http']
const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length)

interface Props {
  kinds: GatewayKind[]
  onPick: (k: GatewayKind) => void
}

/** The first step of adding a gateway: one card per kind. */
export function KindPicker({ kinds, onPick }: Props) {
  return (
    <div className="kind-cards" role="list">
      {[...kinds].sort((a, b) => rank(a.name) - rank(b.name)).map((k) => (
        <button key={k.name} type="button" role="listitem" className="kind-card" onClick={() => onPick(k)} data-testid={`kind-${k.name}`}>
          <span className="kind-title">{k.title}</span>
          <span className="small muted">{when[k.name] ?? ''}</span>
        </button>
      ))}
    </div>
  )
}

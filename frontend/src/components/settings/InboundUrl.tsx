import { useState } from 'react'

/** The URL a gateway's peer calls back on, with a Copy button and what to do with it. */
export function InboundUrl({ url }: { url: string }) {
  const [copied, setCopied] = useState(false)
  // Shown relative to this page's address when the API gives a path.
  const full = url.startsWith('/') && typeof window !== 'undefined' ? window.location.origin + url : url
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(full)
      setCopied(true)
      window.setTimeout(() => setCopied(false), 1500)
    } catch {
      setCopied(false)
    }
  }
  return (
    <div className="inbound-url" data-testid="inbound-url">
      <div className="inbound-url-line">
        <code className="mono small">{full}</code>
        <button type="button" className="btn btn-small" onClick={() => void copy()}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      <p className="field-hint">Give this URL to the gateway as the address for incoming messages and delivery reports.</p>
    </div>
  )
}

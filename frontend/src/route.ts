import { useEffect, useState } from 'react'

// Hash routing: #/flows (the list), #/flows/FW… (one flow),
// #/flows/FW…/executions/FN… (one flow with an execution open), #/settings
// (trunks, desk phones, numbers, SMS gateways), #/dashboard (live figures),
// #/messages (SMS sent and received).
export type Route = { page: 'flows' } | { page: 'flow'; sid: string; execution?: string } | { page: 'settings' } | { page: 'dashboard' } | { page: 'messages' }

export function parseRoute(hash: string): Route {
  const x = /^#\/flows\/(FW[0-9A-Za-z]+)\/executions\/(FN[0-9A-Za-z]+)\/?$/.exec(hash)
  if (x && x[1] && x[2]) return { page: 'flow', sid: x[1], execution: x[2] }
  const m = /^#\/flows\/(FW[0-9A-Za-z]+)\/?$/.exec(hash)
  if (m && m[1]) return { page: 'flow', sid: m[1] }
  if (/^#\/settings\/?$/.test(hash)) return { page: 'settings' }
  if (/^#\/dashboard\/?$/.test(hash)) return { page: 'dashboard' }
  if (/^#\/messages\/?$/.test(hash)) return { page: 'messages' }
  return { page: 'flows' }
}

export function flowHref(sid: string): string {
  return `#/flows/${sid}`
}

/** A flow's page with one of its executions open in the Executions panel. */
export function executionHref(flowSid: string, executionSid: string): string {
  return `#/flows/${flowSid}/executions/${executionSid}`
}

export function navigate(hash: string): void {
  window.location.hash = hash
}

export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.hash))
  useEffect(() => {
    const on = () => setRoute(parseRoute(window.location.hash))
    window.addEventListener('hashchange', on)
    return () => window.removeEventListener('hashchange', on)
  }, [])
  return route
}

// The Liquid preview's one request: POST v2/Liquid/Render (Switchboard's own
// resource) renders a template with the executions' renderer against a
// sample context the editor supplies; nothing is stored.
import { client as defaultClient, type Client } from './client'
import type { Context } from '../model/sample'

export interface RenderResult {
  rendered: string | null
  error: { code: number; kind: string; message: string; line?: number; column?: number } | null
}

export function renderLiquid(template: string, context: Context, c: Client = defaultClient): Promise<RenderResult> {
  return c.request<RenderResult>('POST', 'v2/Liquid/Render', { form: { Template: template, Context: JSON.stringify(context) } })
}

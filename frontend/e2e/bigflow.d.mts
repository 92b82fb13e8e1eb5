// Types of bigflow.mjs for the model's Vitest test.
import type { FlowDefinition } from '../src/model/studio'
export function ivrFlow(widgets?: number): FlowDefinition

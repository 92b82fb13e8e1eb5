// The Liquid variables in scope in a flow, for completion in the inspector:
// flow.*, contact.*, trigger.* for each trigger event wired, and
// widgets.NAME.* with what each widget type publishes.
import type { FlowDefinition } from './studio'

export interface Variable { path: string; detail: string }

const flowVars: Variable[] = [
  { path: 'flow.sid', detail: 'the execution SID (FN…)' },
  { path: 'flow.flow_sid', detail: 'the flow SID (FW…)' },
  { path: 'flow.channel.address', detail: 'the Twilio-side address (the number called or texted)' },
  { path: 'flow.data', detail: 'Parameters of a REST-started execution' },
  { path: 'contact.channel.address', detail: "the end user's address" },
]

const callKeys = ['From', 'To', 'CallSid', 'CallStatus', 'Direction', 'Caller', 'Called', 'AccountSid', 'FromCity', 'FromState', 'FromCountry', 'FromZip']
const messageKeys = ['Body', 'From', 'To', 'MessageSid', 'NumMedia', 'MediaUrl0', 'MessagingServiceSid', 'AccountSid', 'FromCity', 'FromCountry']

export const triggerVars: Record<string, Variable[]> = {
  incomingCall: callKeys.map((k) => ({ path: `trigger.call.${k}`, detail: `incoming call: ${k}` })),
  incomingMessage: messageKeys.map((k) => ({ path: `trigger.message.${k}`, detail: `incoming message: ${k}` })),
  incomingConversationMessage: ['Body', 'From', 'ConversationSid', 'MessageSid', 'ChannelSid', 'Author', 'AccountSid'].map((k) => ({
    path: `trigger.conversation.${k}`,
    detail: `incoming conversation message: ${k}`,
  })),
  incomingRequest: [
    { path: 'trigger.request.parameters', detail: 'Parameters of the REST request (also flow.data)' },
    { path: 'trigger.request.from', detail: 'From of the REST request' },
    { path: 'trigger.request.to', detail: 'To of the REST request' },
  ],
  incomingParent: [{ path: 'trigger.parent.parameters', detail: 'parameters passed by the parent flow’s Run Subflow' }],
}

const httpVars: [string, string][] = [
  ['status_code', 'HTTP status code of the response'],
  ['content_type', 'Content-Type of the response'],
  ['body', 'response body as text'],
  ['parsed', 'the response body parsed as JSON (an object)'],
]

const widgetVars: Record<string, [string, string][]> = {
  'gather-input-on-call': [
    ['Digits', 'digits the caller pressed'],
    ['SpeechResult', 'what the caller said'],
    ['Confidence', 'speech recognition confidence (0–1)'],
  ],
  'send-and-wait-for-reply': [
    ['inbound.Body', 'the reply text'],
    ['inbound.From', 'who replied'],
    ['inbound.To', 'the address replied to'],
    ['inbound.MessageSid', 'SID of the reply'],
    ['inbound.NumMedia', 'number of media items in the reply'],
    ['inbound.MediaUrl0', 'URL of the first media item'],
    ['outbound.Sid', 'SID of the message sent'],
    ['outbound.Status', 'status of the message sent'],
  ],
  'send-message': [
    ['outbound.Sid', 'SID of the message sent'],
    ['outbound.Status', 'status of the message sent'],
    ['outbound.Body', 'text of the message sent'],
  ],
  'make-http-request': httpVars,
  'run-function': httpVars,
  'run-function-v2': httpVars,
  'connect-call-to': [
    ['DialCallStatus', 'outcome of the connected call'],
    ['DialCallSid', 'SID of the connected call'],
    ['DialCallDuration', 'length of the connected call in seconds'],
    ['RecordingUrl', 'recording of the connected call'],
  ],
  'record-voicemail': [
    ['RecordingUrl', 'URL of the recording'],
    ['RecordingSid', 'SID of the recording'],
    ['RecordingDuration', 'length of the recording in seconds'],
    ['TranscriptionText', 'transcription of the recording'],
  ],
  'record-call': [['RecordingSid', 'SID of the call recording'], ['Status', 'recording status']],
  'make-outgoing-call-v1': [['CallSid', 'SID of the call placed'], ['CallStatus', 'status of the call'], ['AnsweredBy', 'human or machine']],
  'make-outgoing-call-v2': [['CallSid', 'SID of the call placed'], ['CallStatus', 'status of the call'], ['AnsweredBy', 'human or machine']],
  'enqueue-call': [['QueueResult', 'how the call left the queue'], ['QueueSid', 'SID of the queue'], ['QueueTime', 'seconds spent in the queue']],
  'send-to-flex': [['QueueResult', 'how the call left the queue'], ['QueueSid', 'SID of the queue'], ['QueueTime', 'seconds spent in the queue']],
  'say-play': [['language', 'language of the spoken text'], ['voice', 'voice of the spoken text']],
  'capture-payments': [
    ['Result', 'payment result'],
    ['PaymentConfirmationCode', 'confirmation code of the payment'],
    ['PaymentCardType', 'card type'],
    ['PaymentError', 'error, when the payment failed'],
  ],
}

function setVariablesKeys(properties: Record<string, unknown>): string[] {
  const list = properties.variables
  if (!Array.isArray(list)) return []
  return list
    .map((v) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>).key : undefined))
    .filter((k): k is string => typeof k === 'string' && k !== '')
}

export function variablesFor(def: FlowDefinition): Variable[] {
  const out: Variable[] = [...flowVars]
  const seen = new Set(out.map((v) => v.path))
  const add = (v: Variable) => {
    if (!seen.has(v.path)) {
      seen.add(v.path)
      out.push(v)
    }
  }
  for (const s of def.states) {
    if (s.type === 'set-variables') for (const k of setVariablesKeys(s.properties)) add({ path: `flow.variables.${k}`, detail: `set by ${s.name}` })
  }
  for (const s of def.states) {
    if (s.type !== 'trigger') continue
    for (const t of s.transitions) if (t.next) for (const v of triggerVars[t.event] ?? []) add(v)
  }
  for (const s of def.states) {
    if (s.type === 'trigger') continue
    const vars: [string, string][] = s.type === 'set-variables' ? setVariablesKeys(s.properties).map((k) => [k, `variable set by ${s.name}`]) : widgetVars[s.type] ?? []
    for (const [k, d] of vars) add({ path: `widgets.${s.name}.${k}`, detail: d })
  }
  return out
}

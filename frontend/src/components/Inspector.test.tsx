// @vitest-environment jsdom
import { act } from 'react'
import { createRoot, type Root } from 'react-dom/client'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { EditorView } from '@codemirror/view'
import { Inspector } from './Inspector'
import { focusPointer } from './focusPointer'
import { fieldsFor } from '../model/form'
import type { FlowDefinition } from '../model/studio'
import type { Located } from '../model/problems'

;(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true

const hostile = '<img src=x onerror="window.__pwned=1">'

function flow(): FlowDefinition {
  return {
    description: 'A flow',
    states: [
      { name: 'Trigger', type: 'trigger', transitions: [{ event: 'incomingCall', next: 'gather_1' }], properties: { offset: { x: 0, y: 0 } } },
      {
        name: 'gather_1',
        type: 'gather-input-on-call',
        transitions: [{ event: 'keypress', next: 'split_1' }],
        properties: { say: 'Press 1', stop_gather: false, offset: { x: 0, y: 200 }, extra_unknown: [1, null] },
      },
      {
        name: 'split_1',
        type: 'split-based-on',
        transitions: [
          { event: 'noMatch' },
          { event: 'match', conditions: [{ friendly_name: 'one', arguments: ['{{widgets.gather_1.Digits}}'], type: 'equal_to', value: '1' }] },
        ],
        properties: { input: '{{widgets.gather_1.Digits}}', offset: { x: 0, y: 400 } },
      },
    ],
    initial_state: 'Trigger',
    flags: { allow_concurrent_calls: true },
  }
}

let root: Root
let host: HTMLDivElement
beforeEach(() => {
  host = document.createElement('div')
  document.body.appendChild(host)
  root = createRoot(host)
})
afterEach(() => {
  act(() => root.unmount())
  host.remove()
})

function render(def: FlowDefinition, selected: string | null, onChange = vi.fn(), problems: Located[] = [], onSelect = vi.fn()) {
  act(() => root.render(<Inspector def={def} selected={selected} problems={problems} onChange={onChange} onSelect={onSelect} />))
  return onChange
}

function typeInto(el: HTMLInputElement | HTMLTextAreaElement, value: string) {
  const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype
  Object.getOwnPropertyDescriptor(proto, 'value')!.set!.call(el, value)
  act(() => {
    el.dispatchEvent(new Event('input', { bubbles: true }))
  })
}

function choose(el: HTMLSelectElement, value: string) {
  Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value')!.set!.call(el, value)
  act(() => {
    el.dispatchEvent(new Event('change', { bubbles: true }))
  })
}

const q = <T extends Element>(sel: string) => host.querySelector<T>(sel)!

describe('Inspector', () => {
  it('draws the gather form from its schema: one field per property with its title', () => {
    render(flow(), 'gather_1')
    expect(q('[data-testid="inspector"]')).toBeTruthy()
    const fields = fieldsFor('gather-input-on-call')
    expect(fields.length).toBeGreaterThan(5)
    for (const f of fields) {
      const el = q(`[data-testid="field-${f.key}"]`)
      expect(el, f.key).toBeTruthy()
      expect(el.textContent).toContain(f.title)
    }
    expect(q('[data-testid="field-offset"]')).toBeNull()
    expect(q('[data-testid="field-name"] input').getAttribute('value') ?? (q('[data-testid="field-name"] input') as HTMLInputElement).value).toBe('gather_1')
  })

  it('editing a field changes only that property, coalesced per field', () => {
    const def = flow()
    const onChange = render(def, 'gather_1')
    act(() => q<HTMLInputElement>('[data-testid="field-stop_gather"] input').click())
    expect(onChange).toHaveBeenCalledTimes(1)
    const [next, key] = onChange.mock.calls[0]!
    expect(key).toBe('field:gather_1:stop_gather')
    const want = structuredClone(def)
    want.states[1]!.properties.stop_gather = true
    expect(next).toEqual(want)
    expect(next.states[0]).toBe(def.states[0])
    expect(next.states[2]).toBe(def.states[2])

    choose(q<HTMLSelectElement>('[data-testid="field-finish_on_key"] select'), '#')
    const [n2, k2] = onChange.mock.calls[1]!
    expect(k2).toBe('field:gather_1:finish_on_key')
    const want2 = structuredClone(def)
    want2.states[1]!.properties.finish_on_key = '#'
    expect(n2).toEqual(want2)
  })

  it('typing in a Liquid field reports the text with the field coalesce key', () => {
    const def = flow()
    const onChange = render(def, 'gather_1')
    const dom = q<HTMLElement>('[data-testid="field-say"] .cm-editor')
    const view = EditorView.findFromDOM(dom)!
    expect(view.state.doc.toString()).toBe('Press 1')
    act(() => view.dispatch({ changes: { from: 7, insert: ' now' } }))
    const [next, key] = onChange.mock.calls[0]!
    expect(key).toBe('field:gather_1:say')
    const want = structuredClone(def)
    want.states[1]!.properties.say = 'Press 1 now'
    expect(next).toEqual(want)
  })

  it('a rename to a taken name shows the error and calls nothing; a good name renames', () => {
    const def = flow()
    const onChange = render(def, 'gather_1')
    const input = q<HTMLInputElement>('[data-testid="field-name"] input')
    typeInto(input, 'split_1')
    act(() => input.dispatchEvent(new FocusEvent('focusout', { bubbles: true })))
    expect(onChange).not.toHaveBeenCalled()
    expect(q('[data-testid="name-error"]').textContent).toContain('already exists')
    typeInto(input, '9bad')
    act(() => input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true })))
    expect(onChange).not.toHaveBeenCalled()
    expect(q('[data-testid="name-error"]').textContent).toContain('not a valid widget name')
    typeInto(input, 'ask')
    act(() => input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true })))
    expect(onChange).toHaveBeenCalledTimes(1)
    const next = onChange.mock.calls[0]![0] as FlowDefinition
    expect(next.states[1]!.name).toBe('ask')
    expect(next.states[0]!.transitions[0]!.next).toBe('ask')
  })

  it('edits the conditions of a split as rows, adds and removes matches', () => {
    const def = flow()
    const onChange = render(def, 'split_1')
    const row = q('[data-testid="condition-match:0-0"]')
    const sel = row.querySelector<HTMLSelectElement>('select')!
    expect([...sel.options].map((o) => o.value)).toContain('matches_any_of')
    choose(sel, 'matches_any_of')
    let next = onChange.mock.calls[0]![0] as FlowDefinition
    expect(next.states[2]!.transitions[1]!.conditions![0]).toEqual({ friendly_name: 'one', arguments: ['{{widgets.gather_1.Digits}}'], type: 'matches_any_of', value: '1' })
    typeInto(row.querySelector<HTMLInputElement>('input[aria-label="Value"]')!, '1,2')
    next = onChange.mock.calls[1]![0] as FlowDefinition
    expect(next.states[2]!.transitions[1]!.conditions![0]!.value).toBe('1,2')
    expect(next.states[2]!.transitions[1]!.conditions![0]!.type).toBe('equal_to')

    act(() => q<HTMLButtonElement>('[data-testid="add-match"]').click())
    next = onChange.mock.calls[2]![0] as FlowDefinition
    expect(next.states[2]!.transitions).toHaveLength(3)
    act(() => q<HTMLButtonElement>('[data-testid="match-match:0"] button').click())
    next = onChange.mock.calls[3]![0] as FlowDefinition
    expect(next.states[2]!.transitions).toEqual([{ event: 'noMatch' }])
  })

  it('lists the widget problems at the top and outlines the field with its message; outside text stays text', () => {
    const def = flow()
    def.states[1]!.properties.say = hostile
    const problems: Located[] = [
      { message: hostile, property_path: '#/states/1/properties/say', level: 'error', widget: 'gather_1', field: 'say' },
      { message: 'elsewhere', property_path: '#/states/2', level: 'error', widget: 'split_1' },
    ]
    render(def, 'gather_1', vi.fn(), problems)
    const list = q('[data-testid="inspector-problems"]')
    expect(list.textContent).toContain(hostile)
    expect(list.textContent).not.toContain('elsewhere')
    const field = q('[data-testid="field-say"]')
    expect(field.className).toContain('field-problem')
    expect(field.textContent).toContain(hostile)
    expect(host.querySelector('img')).toBeNull()
    expect((window as { __pwned?: number }).__pwned).toBeUndefined()
  })

  it('shows a problem on a match handle under that match', () => {
    const problems: Located[] = [{ message: 'bad value', property_path: '#/states/2/transitions/1/conditions/0/value', level: 'error', widget: 'split_1', handle: 'match:0' }]
    render(flow(), 'split_1', vi.fn(), problems)
    const m = q('[data-testid="match-match:0"]')
    expect(m.className).toContain('field-problem')
    expect(m.textContent).toContain('bad value')
  })

  it('a list field is edited as JSON: bad JSON shows an error and changes nothing', () => {
    const def = flow()
    def.states.push({ name: 'vars', type: 'set-variables', transitions: [{ event: 'next' }], properties: { variables: [{ key: 'a', value: '1' }] } })
    const onChange = render(def, 'vars')
    const view = EditorView.findFromDOM(q<HTMLElement>('[data-testid="field-variables"] .cm-editor'))!
    expect(JSON.parse(view.state.doc.toString())).toEqual([{ key: 'a', value: '1' }])
    act(() => view.dispatch({ changes: { from: 0, insert: 'x' } }))
    expect(onChange).not.toHaveBeenCalled()
    expect(q('[data-testid="field-variables"]').textContent).toContain('not valid JSON')
    const text = JSON.stringify([{ key: 'a', value: '2' }])
    act(() => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }))
    const [next, key] = onChange.mock.calls[0]!
    expect(key).toBe('field:vars:variables')
    const want = structuredClone(def)
    want.states[3]!.properties.variables = [{ key: 'a', value: '2' }]
    expect(next).toEqual(want)
  })

  it('with nothing selected edits the description and allow_concurrent_calls', () => {
    const def = flow()
    const onChange = render(def, null)
    typeInto(q<HTMLTextAreaElement>('[data-testid="field-description"] textarea'), 'New')
    expect(onChange.mock.calls[0]![0]).toEqual({ ...def, description: 'New' })
    act(() => q<HTMLInputElement>('[data-testid="field-allow_concurrent_calls"] input').click())
    expect(onChange.mock.calls[1]![0]).toEqual({ ...def, flags: { allow_concurrent_calls: false } })
  })

  it('follows a rename: the new name is handed to onSelect', () => {
    const onSelect = vi.fn()
    const onChange = render(flow(), 'gather_1', vi.fn(), [], onSelect)
    const input = q<HTMLInputElement>('[data-testid="field-name"] input')
    typeInto(input, 'ask')
    act(() => input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true })))
    expect(onChange).toHaveBeenCalledTimes(1)
    expect(onSelect).toHaveBeenCalledWith('ask')
    // Rendered with the new name selected, the form is the renamed widget's.
    render(onChange.mock.calls[0]![0] as FlowDefinition, 'ask')
    expect(q<HTMLInputElement>('[data-testid="field-name"] input').value).toBe('ask')
    expect(q('[data-testid="inspector"] h3').textContent).not.toBe('Flow settings')
  })

  it("edits a condition's subject (its arguments)", () => {
    const def = flow()
    const onChange = render(def, 'split_1')
    const subject = q<HTMLInputElement>('[data-testid="condition-match:0-0"] input[aria-label="Subject"]')
    expect(subject.value).toBe('{{widgets.gather_1.Digits}}')
    typeInto(subject, '{{trigger.message.Body}}')
    const [next, key] = onChange.mock.calls[0]!
    expect(key).toBe('cond:split_1:match:0:0:arguments')
    expect((next as FlowDefinition).states[2]!.transitions[1]!.conditions![0]).toEqual({ friendly_name: 'one', arguments: ['{{trigger.message.Body}}'], type: 'equal_to', value: '1' })
  })

  it('every field carries its JSON pointer, and focusPointer focuses the field a problem names', () => {
    render(flow(), 'split_1')
    expect(q('[data-testid="field-name"]').getAttribute('data-pointer')).toBe('/states/2/name')
    expect(q('[data-testid="field-input"]').getAttribute('data-pointer')).toBe('/states/2/properties/input')
    expect(focusPointer('#/states/2/transitions/1/conditions/0/value', host)).toBe(true)
    expect(document.activeElement).toBe(q('[data-testid="condition-match:0-0"] input[aria-label="Value"]'))
    expect(focusPointer('#/states/2/transitions/1/conditions/0/arguments/0', host)).toBe(true)
    expect(document.activeElement).toBe(q('[data-testid="condition-match:0-0"] input[aria-label="Subject"]'))
    // A pointer to the widget itself focuses its first input (the name).
    expect(focusPointer('#/states/2', host)).toBe(true)
    expect(document.activeElement).toBe(q('[data-testid="field-name"] input'))
    expect(focusPointer('#/states/1/properties/say', host)).toBe(false)
    render(flow(), null)
    expect(focusPointer('#/description', host)).toBe(true)
    expect(document.activeElement).toBe(q('[data-testid="field-description"] textarea'))
  })
})

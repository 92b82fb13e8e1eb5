// A generated voice IVR of any size, for the UI benchmark (bench.mjs): the
// shape real IVRs have, repeated. Each menu is six widgets:
//
//   menu_K (gather: keypress, speech → choice_K; timeout → sorry_K)
//   choice_K (split on the digits: noMatch → sorry_K; match 1, 2, 3 → option_K_1..3)
//   sorry_K (say-play → back to menu_K)
//   option_K_1..3 (say-play → the next menus' gathers, breadth first, or the end)
//
// Menus sit on a grid of blocks (4 widgets wide, 3 rows high) so no two
// widgets overlap and the editor keeps the offsets (needsLayout is false).
// The few widgets left over when `widgets` is not 1 + 6k are say-plays chained
// after the last option. The result validates with no errors.

const colW = 300 // widget 240 wide + gap
const rowH = 240 // tallest widget (split, 4 handles) 156 high + gap
const blockW = 4 * colW + 200
const blockH = 3 * rowH + 160

/**
 * ivrFlow(widgets) → a Studio flow definition with exactly `widgets` states
 * (at least 7: the Trigger and one menu).
 */
export function ivrFlow(widgets = 1000) {
  if (widgets < 7) throw new Error('ivrFlow needs at least 7 widgets')
  const menus = Math.floor((widgets - 1) / 6)
  const extra = widgets - 1 - 6 * menus
  const cols = Math.ceil(Math.sqrt(menus * (blockH / blockW)))
  const states = []
  const at = (x, y) => ({ offset: { x, y } })
  states.push({
    name: 'Trigger',
    type: 'trigger',
    transitions: [
      { event: 'incomingMessage' },
      { next: 'menu_0', event: 'incomingCall' },
      { event: 'incomingConversationMessage' },
      { event: 'incomingRequest' },
      { event: 'incomingParent' },
    ],
    properties: at(colW, -rowH),
  })
  // The menu that option (k, i) leads to: breadth first, three children per menu.
  const child = (k, i) => 3 * k + i
  for (let k = 0; k < menus; k++) {
    const bx = (k % cols) * blockW
    const by = Math.floor(k / cols) * blockH
    const digits = `{{widgets.menu_${k}.Digits}}`
    states.push({
      name: `menu_${k}`,
      type: 'gather-input-on-call',
      transitions: [
        { next: `choice_${k}`, event: 'keypress' },
        { next: `choice_${k}`, event: 'speech' },
        { next: `sorry_${k}`, event: 'timeout' },
      ],
      properties: {
        say: `Menu ${k}. For sales, press 1. For support, press 2. For anything else, press 3.`,
        voice: 'alice',
        language: 'en-US',
        loop: 1,
        timeout: 5,
        number_of_digits: 1,
        finish_on_key: '#',
        stop_gather: true,
        speech_timeout: 'auto',
        ...at(bx + colW, by),
      },
    })
    states.push({
      name: `choice_${k}`,
      type: 'split-based-on',
      transitions: [
        { next: `sorry_${k}`, event: 'noMatch' },
        ...[1, 2, 3].map((i) => ({
          next: `option_${k}_${i}`,
          event: 'match',
          conditions: [{ friendly_name: `If value equal_to ${i}`, arguments: [digits], type: 'equal_to', value: String(i) }],
        })),
      ],
      properties: { input: digits, ...at(bx + colW, by + rowH) },
    })
    states.push({
      name: `sorry_${k}`,
      type: 'say-play',
      transitions: [{ next: `menu_${k}`, event: 'audioComplete' }],
      properties: { say: 'Sorry, that is not an option.', voice: 'alice', language: 'en-US', loop: 1, ...at(bx, by + 2 * rowH) },
    })
    for (const i of [1, 2, 3]) {
      const c = child(k, i)
      states.push({
        name: `option_${k}_${i}`,
        type: 'say-play',
        transitions: [c < menus ? { next: `menu_${c}`, event: 'audioComplete' } : { event: 'audioComplete' }],
        properties: { say: `You chose option ${i} of menu ${k}.`, voice: 'alice', language: 'en-US', loop: 1, ...at(bx + i * colW, by + 2 * rowH) },
      })
    }
  }
  // Leftovers: goodbyes chained after the last option.
  let prev = states[states.length - 1]
  const lastRow = Math.ceil(menus / cols) * blockH
  for (let j = 0; j < extra; j++) {
    const name = `goodbye_${j}`
    prev.transitions[0] = { next: name, event: 'audioComplete' }
    const s = {
      name,
      type: 'say-play',
      transitions: [{ event: 'audioComplete' }],
      properties: { say: 'Goodbye.', voice: 'alice', language: 'en-US', loop: 1, ...at(j * colW, lastRow) },
    }
    states.push(s)
    prev = s
  }
  return {
    description: `A generated IVR with ${widgets} widgets (${menus} menus), for the editor's benchmark`,
    states,
    initial_state: 'Trigger',
    flags: { allow_concurrent_calls: true },
  }
}

// Manual look: sign in to a running appliance and screenshot the pages.
// node e2e/shot.mjs URL ACCOUNT_SID TOKEN OUTDIR
import { chromium } from 'playwright-core'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const [url, user, pass, out] = process.argv.slice(2)
const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'pw-')), {
  executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1280, height: 800 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
})
const page = ctx.pages()[0] ?? await ctx.newPage()
const problems = []
page.on('pageerror', e => problems.push('pageerror: ' + e.message))
page.on('console', m => { if (m.type() === 'error') problems.push('console: ' + m.text()) })
await page.goto(url)
await page.getByTestId('login-form').waitFor()
await page.screenshot({ path: join(out, '1-login.png') })
const inputs = page.getByTestId('login-form').locator('input')
await inputs.nth(0).fill(user)
await inputs.nth(1).fill(pass)
await page.getByTestId('login-form').locator('button[type=submit], button').first().click()
await page.getByTestId('flows-list').waitFor()
await page.getByTestId('flow-row').first().waitFor()
await page.screenshot({ path: join(out, '2-flows.png') })
await page.getByTestId('flow-row').first().locator('a.flow-name').click()
await page.getByTestId('canvas').waitFor()
await page.screenshot({ path: join(out, '3-flow.png') })
console.log(problems.length ? problems.join('\n') : 'no page errors')
await ctx.close()

// Starts the real headless appliance (bin/switchboard serve) on a free
// loopback port with a fresh data folder and known credentials, and Debian's
// Chromium through playwright-core (never a downloaded browser). Used by the
// browser tests (*.test.mjs) and shot.mjs.
import { spawn } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium } from 'playwright-core'

export const ACCOUNT_SID = 'AC' + '0'.repeat(30) + 'e2'
export const AUTH_TOKEN = '0123456789abcdef0123456789abcdef'
const root = resolve(import.meta.dirname, '..', '..')
export const artifacts = resolve(import.meta.dirname, 'artifacts')

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer()
    s.once('error', fail)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => ok(port))
    })
  })
}

// startAppliance returns { url, stop }.
export async function startAppliance() {
  const bin = join(root, 'bin', 'switchboard')
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run make build first`)
  const data = mkdtempSync(join(tmpdir(), 'sb-e2e-'))
  const http = await freePort()
  const sip = await freePort()
  const child = spawn(bin, ['serve', '--data', data, '--http', `127.0.0.1:${http}`, '--sip', `127.0.0.1:${sip}`,
    '--account-sid', ACCOUNT_SID], { env: { ...process.env, SWITCHBOARD_AUTH_TOKEN: AUTH_TOKEN }, stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  child.stderr.on('data', b => { log += b })
  const url = `http://127.0.0.1:${http}/`
  const deadline = Date.now() + 20000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`switchboard exited ${child.exitCode}:\n${log}`)
    try {
      const r = await fetch(url + 'healthz')
      if (r.ok) break
    } catch { /* not up yet */ }
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`switchboard did not answer /healthz in 20 s:\n${log}`) }
    await new Promise(r => setTimeout(r, 100))
  }
  return {
    url,
    sipPort: sip,
    log: () => log,
    async stop() {
      child.kill('SIGTERM')
      await new Promise(r => { if (child.exitCode !== null) r(); else child.once('exit', r) })
      rmSync(data, { recursive: true, force: true })
    },
  }
}

// api calls the appliance's REST API with Basic credentials.
export async function api(url, method, path, form) {
  const r = await fetch(url + path, {
    method,
    headers: {
      Authorization: 'Basic ' + Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64'),
      ...(form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
    },
    body: form ? new URLSearchParams(form).toString() : undefined,
  })
  const text = await r.text()
  return { status: r.status, body: text ? JSON.parse(text) : null }
}

// openBrowser launches Chromium; the page records page errors and console
// errors in `problems`.
export async function openBrowser() {
  mkdirSync(artifacts, { recursive: true })
  const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'pw-')), {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, viewport: { width: 1280, height: 800 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  const page = ctx.pages()[0] ?? await ctx.newPage()
  const problems = []
  page.on('pageerror', e => problems.push('pageerror: ' + e.message))
  page.on('console', m => {
    // A refused request is logged by Chromium itself ("Failed to load
    // resource: … 401"): the sign-in check before signing in, Flow Validate
    // refusing a bad import, and the 404 that says a flow was never published.
    if (m.type() !== 'error') return
    const expected = /Failed to load resource: .* (400|401)/.test(m.text()) ||
      (/Failed to load resource: .* 404/.test(m.text()) && /\/Revisions\/LatestPublished$/.test(m.location().url ?? ''))
    if (!expected) problems.push('console: ' + m.text() + (m.location().url ? ` (${m.location().url})` : ''))
  })
  page.on('dialog', d => { problems.push('dialog: ' + d.message()); d.dismiss() })
  return { ctx, page, problems }
}

export async function signIn(page, url) {
  await page.goto(url)
  const form = page.getByTestId('login-form')
  await form.waitFor()
  const inputs = form.locator('input')
  await inputs.nth(0).fill(ACCOUNT_SID)
  await inputs.nth(1).fill(AUTH_TOKEN)
  await form.locator('button[type=submit]').click()
  await page.getByTestId('flows-list').waitFor()
}

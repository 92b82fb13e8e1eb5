// Shared by the acceptance scripts (studio.mjs, messages.mjs): the
// environment, an httpClient that sends what the SDK addresses to Twilio's
// hosts to the local Switchboard instead (and refuses anything else), and
// the check helpers that print "ok N - …" / "not ok N - …" lines.

import assert from "node:assert/strict";
import process from "node:process";
import twilio from "twilio";

export const { RequestClient, RestException } = twilio;

// ---------------------------------------------------------------- settings

export function env(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`studio.mjs: ${name} is not set`);
    process.exit(2);
  }
  return v;
}

export const baseURL = env("SWITCHBOARD_URL").replace(/\/+$/, "");
export const accountSid = env("SWITCHBOARD_ACCOUNT_SID");
export const authToken = env("SWITCHBOARD_AUTH_TOKEN");

{
  const host = new URL(baseURL).hostname;
  if (!["127.0.0.1", "localhost", "[::1]", "::1"].includes(host)) {
    console.error(`studio.mjs: SWITCHBOARD_URL must be a loopback address, not ${host}`);
    process.exit(2);
  }
}

// ---------------------------------------------------------------- http client

const TWILIO_HOSTS = ["https://studio.twilio.com", "https://api.twilio.com"];

// LocalRequestClient is the SDK's RequestClient with the Twilio hosts swapped
// for the local base URL. It keeps a log of the requests it sent (method and
// path with query, never headers), so checks can see how the SDK paged.
class LocalRequestClient extends RequestClient {
  constructor(base, opts) {
    super(opts);
    this.base = base;
    this.sent = [];
  }

  rewrite(uri) {
    for (const h of TWILIO_HOSTS) {
      if (uri === h || uri.startsWith(h + "/")) return this.base + uri.slice(h.length);
    }
    // Paging URLs the server gave out already point at it.
    if (uri === this.base || uri.startsWith(this.base + "/")) return uri;
    throw new Error(`LocalRequestClient: refusing to send a request to ${uri}`);
  }

  async request(opts) {
    const uri = this.rewrite(opts.uri);
    const u = new URL(uri);
    const q = opts.params && Object.keys(opts.params).length
      ? "?" + new URLSearchParams(opts.params).toString() : u.search;
    const entry = { method: String(opts.method).toUpperCase(), path: u.pathname + q };
    this.sent.push(entry);
    const res = await super.request({ ...opts, uri });
    entry.status = res.statusCode;
    try {
      entry.body = typeof res.body === "string" ? JSON.parse(res.body) : res.body;
    } catch {
      entry.body = res.body;
    }
    return res;
  }

  // lastBody is the parsed JSON of the last response.
  lastBody() {
    return this.sent[this.sent.length - 1]?.body;
  }
}

export const httpClient = new LocalRequestClient(baseURL, { timeout: 20000 });
export const client = twilio(accountSid, authToken, { httpClient });

// ---------------------------------------------------------------- checks

let n = 0;
/** checks is how many checks passed. */
export function checks() {
  return n;
}

export async function check(what, fn) {
  n++;
  try {
    const said = await fn();
    console.log(`ok ${n} - ${what}${said ? ": " + said : ""}`);
  } catch (err) {
    console.log(`not ok ${n} - ${what}`);
    console.log(indent(describe(err)));
    console.log(`# last requests: ${httpClient.sent.slice(-3).map((r) => r.method + " " + r.path).join(" | ")}`);
    process.exit(1);
  }
}

export function describe(err) {
  if (err instanceof RestException) {
    return `RestException status=${err.status} code=${err.code} message=${JSON.stringify(err.message)} details=${JSON.stringify(err.details)}`;
  }
  return (err && err.stack) || String(err);
}

export function indent(s) {
  return s.split("\n").map((l) => "#   " + l).join("\n");
}

// rejects runs fn, which must fail with a RestException of the given HTTP
// status and Twilio code, and returns the exception.
export async function rejects(fn, status, code) {
  let caught;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught, `expected a RestException ${status}/${code}, but the call succeeded`);
  assert.ok(caught instanceof RestException, `expected a RestException, got ${describe(caught)}`);
  assert.equal(caught.status, status, `HTTP status (${describe(caught)})`);
  if (code !== undefined) assert.equal(caught.code, code, `Twilio error code (${describe(caught)})`);
  assert.equal(typeof caught.message, "string");
  assert.ok(caught.message.length > 0, "error message is empty");
  if (code !== undefined) assert.equal(caught.moreInfo, `https://www.twilio.com/docs/errors/${code}`);
  const raw = httpClient.lastBody();
  assert.ok(raw && typeof raw === "object", "the error has no JSON body");
  for (const k of ["code", "message", "more_info", "status"]) assert.ok(k in raw, `error body lacks ${k}: ${JSON.stringify(raw)}`);
  assert.equal(raw.status, status, "error body status");
  return caught;
}

// wire checks that the JSON the server sent for a resource carries every
// field the SDK reads into its instance (the instance's toJSON keys, in the
// API's snake_case), so a missing field cannot hide behind the SDK's lenient
// deserializers (a missing date becomes "now", a missing number stays
// undefined). Fields the SDK does not know are listed, not failed.
export const extras = new Map();
export function wire(instance, raw, kind) {
  assert.ok(raw && typeof raw === "object", `${kind}: no JSON body`);
  const want = Object.keys(instance.toJSON()).map((k) => k.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase()));
  const missingFields = want.filter((k) => !(k in raw));
  assert.deepEqual(missingFields, [], `${kind}: fields the SDK reads but the server did not send`);
  const extra = Object.keys(raw).filter((k) => !want.includes(k));
  if (extra.length && !extras.has(kind)) {
    extras.set(kind, extra);
    console.log(`# ${kind}: server sends fields twilio-node does not read: ${extra.join(", ")}`);
  }
  for (const k of ["date_created", "date_updated"]) {
    if (k in raw && raw[k] !== null) {
      const re = /Key|Message/.test(kind) ? // the 2010 API's resources: RFC 2822
         /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/ : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
      assert.match(raw[k], re, `${kind}.${k} is not in the format Twilio sends`);
    }
  }
}

// wirePage checks a list response's envelope and every item in it.
export function wirePage(instances, kind, key) {
  const body = httpClient.lastBody();
  assert.ok(body && body.meta, `${kind} list: no meta`);
  assert.deepEqual(Object.keys(body.meta).sort(),
    ["first_page_url", "key", "next_page_url", "page", "page_size", "previous_page_url", "url"]);
  assert.equal(body.meta.key, key);
  assert.ok(Array.isArray(body[key]), `${kind} list: ${key} is not an array`);
  const items = body[key];
  assert.equal(items.length, instances.length, `${kind} list: one page expected`);
  items.forEach((item, i) => wire(instances[i], item, kind));
}


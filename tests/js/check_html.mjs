#!/usr/bin/env node
// Opens fleetpatch's HTML report in Debian's headless Chromium and checks what a reader would see:
//   node check_html.mjs --html REPORT.html [--json REPORT.json] [--screenshot OUT.png]
//                       [--print-screenshot OUT.png] [--max-screenshot-height PX (6000)]
//                       [--pdf OUT.pdf] [--chromium PATH]
// Fails (exit 1) when the page logs a console error or warning, throws, or requests anything that
// is not the file itself or a data: URL (the report must be self-contained; such requests are
// refused before they leave the browser), or when the numbers
// in the page's data-metric elements differ from the JSON report's "summary" and "by_severity"
// (every number of them must be in the page: summary fields by name, nested objects flattened as
// "a.b", by-severity rows as "by_severity.high.overdue"). Exit 2 on
// usage errors or when Chromium cannot be driven.
//
// Chromium is driven through the DevTools protocol over --remote-debugging-pipe (fd 3 = commands,
// fd 4 = replies and events, NUL-separated JSON): no extra npm package and no listening port.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

function parseArgs(argv) {
  const args = { chromium: process.env.CHROMIUM || '/usr/bin/chromium' };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (argv[i + 1] === undefined) usage(`missing value for ${argv[i]}`);
    args[name] = argv[i + 1];
  }
  if (!args.html) usage('--html is required');
  return args;
}

function usage(message) {
  console.error(`check_html: ${message}`);
  console.error('usage: check_html.mjs --html FILE [--json FILE] [--screenshot PNG] ' +
                '[--print-screenshot PNG] [--max-screenshot-height PX] [--pdf PDF] ' +
                '[--chromium PATH]');
  process.exit(2);
}

/// Minimal DevTools protocol client over the pipe.
class Cdp {
  constructor(child) {
    this.child = child;
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = [];
    this.buffer = Buffer.alloc(0);
    child.stdio[4].on('data', (chunk) => this.onData(chunk));
  }
  onData(chunk) {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    let end;
    while ((end = this.buffer.indexOf(0)) >= 0) {
      const message = JSON.parse(this.buffer.subarray(0, end).toString('utf8'));
      this.buffer = this.buffer.subarray(end + 1);
      if (message.id !== undefined && this.pending.has(message.id)) {
        const { resolve, reject, method } = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error) {
          reject(new Error(`${method}: ${message.error.message}`));
        } else {
          resolve(message.result);
        }
      } else if (message.method) {
        for (const listener of this.listeners) listener(message);
      }
    }
  }
  send(method, params = {}, sessionId = undefined) {
    const id = this.nextId++;
    const message = { id, method, params };
    if (sessionId) message.sessionId = sessionId;
    this.child.stdio[3].write(JSON.stringify(message) + '\0');
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject, method }));
  }
  on(listener) {
    this.listeners.push(listener);
  }
  waitFor(method, sessionId) {
    return new Promise((resolve) => {
      this.on((m) => {
        if (m.method === method && m.sessionId === sessionId) resolve(m.params);
      });
    });
  }
}

/// {"hosts": 3, "by_severity": {"high": 2}} -> {"hosts": 3, "by_severity.high": 2}: numbers only.
function flattenNumbers(object, prefix = '', out = {}) {
  for (const [key, value] of Object.entries(object)) {
    const name = prefix + key;
    if (typeof value === 'number') {
      out[name] = value;
    } else if (value && typeof value === 'object' && !Array.isArray(value)) {
      flattenNumbers(value, name + '.', out);
    }
  }
  return out;
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]);
}

/// The page from the top, at most `maxHeight` CSS pixels of it (a long report's full height would
/// take minutes to capture and be unreadable as one picture anyway).
async function pageScreenshot(cdp, session, path, maxHeight) {
  const metrics = await cdp.send('Page.getLayoutMetrics', {}, session);
  const size = metrics.cssContentSize || metrics.contentSize;
  const height = Math.min(Math.ceil(size.height), maxHeight);
  const shot = await cdp.send('Page.captureScreenshot', {
    format: 'png',
    captureBeyondViewport: true,
    clip: { x: 0, y: 0, width: Math.ceil(size.width), height, scale: 1 },
  }, session);
  writeFileSync(path, Buffer.from(shot.data, 'base64'));
}

async function run(args, problems) {
  const profile = mkdtempSync(join(tmpdir(), 'fleetpatch-chromium-'));
  const child = spawn(args.chromium, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-extensions', '--mute-audio', '--hide-scrollbars', `--user-data-dir=${profile}`,
    // No name resolves: nothing the page (or the browser) asks for can reach the network.
    '--host-resolver-rules=MAP * ~NOTFOUND',
    '--remote-debugging-pipe', 'about:blank',
  ], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stdio[2].on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.on('error', (e) => problems.push(`cannot start ${args.chromium}: ${e.message}`));
  try {
    const cdp = new Cdp(child);
    const { targetInfos } = await cdp.send('Target.getTargets');
    let page = targetInfos.find((t) => t.type === 'page');
    const targetId = page ? page.targetId
                          : (await cdp.send('Target.createTarget', { url: 'about:blank' })).targetId;
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: true });
    const fileUrl = pathToFileURL(resolve(args.html)).href;

    cdp.on((m) => {
      if (m.sessionId !== sessionId) return;
      const p = m.params;
      if (m.method === 'Runtime.consoleAPICalled' && ['error', 'warning', 'assert'].includes(p.type)) {
        problems.push(`console.${p.type}: ${p.args.map((a) => a.value ?? a.description).join(' ')}`);
      } else if (m.method === 'Runtime.exceptionThrown') {
        const d = p.exceptionDetails;
        problems.push(`uncaught exception: ${d.exception?.description ?? d.text}`);
      } else if (m.method === 'Log.entryAdded' && ['error', 'warning'].includes(p.entry.level)) {
        problems.push(`console ${p.entry.level} (${p.entry.source}): ${p.entry.text}`);
      } else if (m.method === 'Fetch.requestPaused') {
        // Every request stops here first: the page itself and data: URLs go on, anything else
        // is refused before it leaves the browser (and reported).
        const url = p.request.url;
        if (url.split('#')[0] === fileUrl || url.startsWith('data:')) {
          cdp.send('Fetch.continueRequest', { requestId: p.requestId }, sessionId).catch(() => {});
        } else {
          problems.push(`the page fetches ${url}: the report must be self-contained`);
          cdp.send('Fetch.failRequest', { requestId: p.requestId, errorReason: 'BlockedByClient' },
                   sessionId).catch(() => {});
        }
      }
    });
    await cdp.send('Fetch.enable', { patterns: [{ urlPattern: '*' }] }, sessionId);
    await cdp.send('Runtime.enable', {}, sessionId);
    await cdp.send('Log.enable', {}, sessionId);
    await cdp.send('Page.enable', {}, sessionId);
    await cdp.send('Emulation.setDeviceMetricsOverride',
                   { width: 1280, height: 900, deviceScaleFactor: 1, mobile: false }, sessionId);
    const loaded = cdp.waitFor('Page.loadEventFired', sessionId);
    const navigation = await cdp.send('Page.navigate', { url: fileUrl }, sessionId);
    if (navigation.errorText) throw new Error(`cannot open ${fileUrl}: ${navigation.errorText}`);
    await loaded;

    const { result } = await cdp.send('Runtime.evaluate', {
      expression: `JSON.stringify([...document.querySelectorAll('[data-metric]')].map(
          (e) => [e.dataset.metric, e.textContent.trim()]))`,
      returnByValue: true,
    }, sessionId);
    const pairs = JSON.parse(result.value);
    const page_metrics = {};
    for (const [name, text] of pairs) {
      if (name in page_metrics && page_metrics[name] !== text) {
        problems.push(`data-metric="${name}" appears with two values: ${page_metrics[name]}, ${text}`);
      }
      page_metrics[name] = text;
    }
    console.log(`page metrics: ${JSON.stringify(page_metrics)}`);

    if (args.json) {
      const report = JSON.parse(readFileSync(args.json, 'utf8'));
      if (!report.summary) throw new Error(`${args.json} has no "summary"`);
      const expected = flattenNumbers(report.summary);
      // The by-severity table: [{"severity": "high", "overdue": 3, ...}] -> by_severity.high.overdue.
      for (const row of Array.isArray(report.by_severity) ? report.by_severity : []) {
        const { severity, ...counts } = row;
        flattenNumbers(counts, `by_severity.${severity}.`, expected);
      }
      if (Object.keys(expected).length === 0) problems.push(`${args.json}: summary has no numbers`);
      for (const [name, value] of Object.entries(expected)) {
        if (!(name in page_metrics)) {
          problems.push(`the page has no data-metric="${name}" (JSON: ${value})`);
        } else if (Number(page_metrics[name].replace(/[,\s]/g, '')) !== value) {
          problems.push(`data-metric="${name}" shows "${page_metrics[name]}", the JSON says ${value}`);
        }
      }
      console.log(`compared ${Object.keys(expected).length} summary numbers with ${args.json}`);
    }
    const maxHeight = Number(args.maxScreenshotHeight || 6000);
    if (args.screenshot) await pageScreenshot(cdp, sessionId, args.screenshot, maxHeight);
    if (args.printScreenshot || args.pdf) {
      await cdp.send('Emulation.setEmulatedMedia', { media: 'print' }, sessionId);
      if (args.printScreenshot) {
        await pageScreenshot(cdp, sessionId, args.printScreenshot, maxHeight);
      }
      if (args.pdf) {
        const pdf = await cdp.send('Page.printToPDF', { printBackground: false }, sessionId);
        writeFileSync(args.pdf, Buffer.from(pdf.data, 'base64'));
      }
    }
    // Late console messages (e.g. from a deferred script) still count.
    await cdp.send('Runtime.evaluate', { expression: '1' }, sessionId);
    await cdp.send('Browser.close').catch(() => {});
  } finally {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
    await exited;
    clearTimeout(timer);
    rmSync(profile, { recursive: true, force: true });
  }
  return stderr;
}

const args = parseArgs(process.argv.slice(2));
const problems = [];
try {
  await withTimeout(run(args, problems), 90000, `loading ${args.html} in Chromium`);
} catch (e) {
  console.error(`check_html: ${e.message}`);
  process.exit(2);
}
if (problems.length) {
  for (const p of problems) console.error(`check_html: ${args.html}: ${p}`);
  process.exit(1);
}
console.log(`check_html: ${args.html}: no console errors, no external fetches, summary matches`);

#!/usr/bin/env node
// Writes docs/img/default-flow.png: the default flow in the editor at 1280x800 after
// "zoom to fit", as `npm start` shows it (a demo export already processed). Run after
// `npm run build`: `node scripts/screenshot.js [out.png]`. Needs /usr/bin/chromium
// (or CHROMIUM_BIN). `--widths` prints each node's width instead (for laying out).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const support = path.join(root, 'dist', 'test', 'support');
const { startRuntime } = require(path.join(support, 'runtime.js'));
const { launchBrowser, chromiumMissing } = require(path.join(support, 'browser.js'));
const { zoomToFit, canvasView, layoutProblems } = require(path.join(support, 'editor-view.js'));

async function main() {
  const widths = process.argv.includes('--widths');
  const out = process.argv.slice(2).find((a) => !a.startsWith('--')) || path.join(root, 'docs', 'img', 'default-flow.png');
  const missing = chromiumMissing();
  if (missing) throw new Error(missing);
  // a stable folder name: the export node's status shows it in the picture
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-shot-'));
  const watch = path.join(base, 'recall-inbox');
  fs.mkdirSync(watch);
  const red = await startRuntime({ env: { RECALL_WATCH_DIR: watch } });
  const browser = await launchBrowser({ width: 1280, height: 800 });
  try {
    const page = browser.page;
    await page.route('https://catalogue.nodered.org/**', (route) => route.fulfill({ json: { name: 'offline', updated_at: new Date().toISOString(), modules: [] } }));
    await page.goto(red.url, { waitUntil: 'load' });
    await page.waitForFunction(() => typeof RED !== 'undefined' && RED.nodes && RED.nodes.node('normalize') && document.querySelector('.red-ui-flow-node-group'), undefined, { timeout: 60000 });
    if (widths) {
      const all = { widths: {}, groups: {} };
      for (const tab of ['recall-tab', 'ledger-tab']) {
        await zoomToFit(page, tab);
        for (const n of (await canvasView(page)).nodes) all.widths[n.id] = n.w;
      }
      // the group boxes as the editor draws them (it saves these on deploy)
      all.groups = await page.evaluate(() => {
        const out = {};
        RED.nodes.eachGroup((g) => (out[g.id] = { x: g.x, y: g.y, w: g.w, h: g.h }));
        return out;
      });
      console.log(JSON.stringify(all, null, 1));
      return;
    }
    // the picture is of the flow: the sidebar is closed, as a person would for a screenshot
    await page.evaluate(() => RED.actions.invoke('core:toggle-sidebar', false));
    await page.waitForFunction(() => document.getElementById('red-ui-sidebar').offsetWidth === 0 || getComputedStyle(document.getElementById('red-ui-sidebar')).display === 'none');
    await zoomToFit(page, 'recall-tab');
    const problems = layoutProblems(await canvasView(page));
    if (problems.length) throw new Error(`the default flow does not fit:\n${problems.join('\n')}`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    await page.screenshot({ path: out });
    console.log(`wrote ${path.relative(process.cwd(), out)}`);
  } finally {
    await browser.close();
    await red.stop();
    fs.rmSync(base, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err.stack || err.message);
  process.exit(1);
});

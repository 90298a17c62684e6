#!/usr/bin/env node
// Puts each node's .html, locales and the pack's icons next to its compiled .js,
// where Node-RED looks for them (dist/nodes/<type>/).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const src = path.join(root, 'nodes');
const out = path.join(root, 'dist', 'nodes');
const icons = path.join(root, 'icons');

for (const entry of fs.readdirSync(src, { withFileTypes: true })) {
  if (!entry.isDirectory() || entry.name === 'lib' || entry.name === 'kit') continue; // code only: no assets
  const from = path.join(src, entry.name);
  const to = path.join(out, entry.name);
  fs.mkdirSync(to, { recursive: true });
  for (const file of fs.readdirSync(from, { withFileTypes: true })) {
    if (file.isFile() && file.name.endsWith('.html')) {
      fs.copyFileSync(path.join(from, file.name), path.join(to, file.name));
    } else if (file.isDirectory() && file.name === 'locales') {
      fs.cpSync(path.join(from, file.name), path.join(to, file.name), { recursive: true });
    }
  }
  fs.cpSync(icons, path.join(to, 'icons'), { recursive: true });
}

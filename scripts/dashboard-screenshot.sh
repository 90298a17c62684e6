#!/usr/bin/env bash
# Regenerates docs/img/dashboard.png for the README: a quarter of weekly runs of the
# season's office through the default flow (test/e2e/dashboard.spec.ts), then the
# dashboard page in Chromium. Needs /usr/bin/chromium (apt-get install chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build
mkdir -p docs/img
DASHBOARD_SCREENSHOT=docs/img/dashboard.png node node_modules/mocha/bin/mocha.js --timeout 600000 dist/test/e2e/dashboard.spec.js
echo "wrote docs/img/dashboard.png"

// Node-RED start time with the pack loaded vs without it: two user dirs, the same
// empty flow, the project's settings file; the pack linked into node_modules the
// way flows/user-dir.js links it. A third user dir starts the shipped default flow.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BenchCase, CaseContext } from '../support/case';
import { ROOT } from '../support/paths';
import { timeStart } from '../support/node-red-process';

function userDirs(ctx: CaseContext) {
  const base = path.join(ctx.workDir, 'start');
  return { without: path.join(base, 'without-pack'), withPack: path.join(base, 'with-pack'), defaultFlow: path.join(base, 'default-flow'), inbox: path.join(base, 'inbox') };
}

export const bench: BenchCase = {
  name: 'start',
  title: () => 'Node-RED start (to "Started flows" + admin API)',
  repeats: (quick) => (quick ? 1 : 5),
  timeoutMs: 5 * 60_000,
  rows: [
    { key: 'withoutS', figure: 'without the pack (empty flow)', unit: 's' },
    { key: 'withS', figure: 'with the pack (empty flow)', unit: 's' },
    { key: 'ratio', figure: 'with / without', unit: '×' },
    { key: 'defaultFlowS', figure: 'with the pack + default flow (dry-run)', unit: 's' },
    { key: 'withoutRssMb', figure: 'Node-RED RSS when ready, without the pack', unit: 'MB' },
    { key: 'withRssMb', figure: 'Node-RED RSS when ready, with the pack', unit: 'MB' },
  ],

  async prepare(ctx) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { prepareUserDir } = require(path.join(ROOT, 'flows', 'user-dir.js'));
    const dirs = userDirs(ctx);
    for (const dir of [dirs.without, dirs.withPack, dirs.defaultFlow, dirs.inbox]) fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dirs.without, 'flows.json'), '[]');
    fs.writeFileSync(path.join(dirs.withPack, 'flows.json'), '[]');
    prepareUserDir(dirs.withPack); // links the pack; keeps the empty flow
    prepareUserDir(dirs.defaultFlow); // links the pack and installs the default flow
    // One start of each, not timed: the first start after a build reads cold files.
    if (!ctx.quick) {
      await timeStart(dirs.without);
      await timeStart(dirs.withPack);
    }
  },

  async run(ctx) {
    const dirs = userDirs(ctx);
    const env = { RECALL_WATCH_DIR: dirs.inbox, RECALL_LEDGER_DB: path.join(dirs.defaultFlow, 'ledger.sqlite'), RECALL_DRY_RUN: 'true', OFFICE_CODE: 'BENCH' };
    // Alternate the order between repeats so neither side always starts second.
    const order = ctx.repeat % 2 ? ['with', 'without'] : ['without', 'with'];
    const t: Record<string, Awaited<ReturnType<typeof timeStart>>> = {};
    for (const which of order) t[which] = await timeStart(which === 'with' ? dirs.withPack : dirs.without, env);
    const def = await timeStart(dirs.defaultFlow, env);
    const notes = [`${process.env.NODE_RED_MODULE || 'node-red'} red.js with flows/settings.js; each start is a new process, timed from spawn.`];
    const failed = /\[(warn|error)\] \[node-red-contrib-dentrix-recall[^\n]*/.exec(t.with.output + def.output);
    if (failed) notes.push(`the pack logged while loading: ${failed[0].slice(0, 160)}`);
    return {
      figures: {
        withoutS: t.without.readyMs / 1000,
        withS: t.with.readyMs / 1000,
        ratio: t.with.readyMs / t.without.readyMs,
        defaultFlowS: def.readyMs / 1000,
        withoutRssMb: t.without.peakRssMb,
        withRssMb: t.with.peakRssMb,
      },
      notes,
    };
  },
};

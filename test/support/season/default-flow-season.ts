// The season's office (office.ts) run through the SHIPPED default flow, dashboard tab
// included: examples/default-recall-flow.json as it is, except that the week's rows come
// in over HTTP to its "Normalize ODBC rows" node with the week's office date as the as-of
// (an office runs on its own clock; a season cannot wait for real weeks). Everything
// else (consent with the pull, the ledger, the CRM webhook, outcomes, run summary,
// dashboard) is configured by environment variables, as an office configures it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startFeedServer, type FeedServer } from '../../lib/consent/feed-server';
import { CrmServer, type CrmRequest } from '../crm-server';
import { waitForRun, type RunSummaryView } from '../flow-run';
import { ROOT } from '../paths';
import { startRuntime, type StartedRuntime } from '../runtime';
import { Office, type FeedEntry, type RawRow } from './office';
import { reachedBy, SEASON_OFFICE, SEASON_SECRET } from './run-season';

export interface Login {
  username: string;
  password: string;
}

export interface FlowSeasonWeek {
  week: number;
  asOf: string;
  rows: RawRow[];
  requests: CrmRequest[];
  summary: RunSummaryView;
}

export interface FlowSeason {
  office: Office;
  weeks: FlowSeasonWeek[];
  /** the office's suppression feed entries, with the week each is served from */
  feed: FeedEntry[];
  red: StartedRuntime;
  crm: CrmServer;
  ledgerFile: string;
  secret: string;
  login: Login;
  /** HTTP basic header of the login (the page and HTTP-in routes ask for it) */
  basic: string;
  /** one more weekly run (the season's next week) */
  runWeek(): Promise<FlowSeasonWeek>;
  stop(): Promise<void>;
}

export interface FlowSeasonOptions {
  weeks: number;
  seed?: number;
  start?: string;
  /** weeks whose first CRM request is refused for good (422): a failed key */
  refuseFirstIn?: number[];
}

/** The shipped default flow, fed over HTTP. */
export function seasonDefaultFlow(): unknown[] {
  const flow = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'default-recall-flow.json'), 'utf8')) as Record<string, unknown>[];
  const normalize = flow.find((n) => n.id === 'normalize-odbc')!;
  normalize.asOf = 'asOf';
  normalize.asOfType = 'msg';
  const z = normalize.z;
  flow.push(
    { id: 'season-in', type: 'http in', z, url: '/season/run', method: 'post', upload: false, x: 100, y: 900, wires: [['season-ok', 'season-rows']] },
    { id: 'season-ok', type: 'http response', z, statusCode: '202', headers: {}, x: 300, y: 880, wires: [] },
    {
      id: 'season-rows', type: 'change', z, x: 300, y: 920,
      rules: [
        { t: 'set', p: 'asOf', pt: 'msg', to: 'payload.asOf', tot: 'msg' },
        { t: 'set', p: 'payload', pt: 'msg', to: 'payload.rows', tot: 'msg' },
        { t: 'delete', p: 'req', pt: 'msg' },
        { t: 'delete', p: 'res', pt: 'msg' },
      ],
      wires: [['normalize-odbc']],
    },
  );
  return flow;
}

export async function runFlowSeason(opts: FlowSeasonOptions): Promise<FlowSeason> {
  const office = Office.opening(SEASON_OFFICE, opts.start ?? '2026-01-05', opts.seed);
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-flow-season-'));
  const ledgerFile = path.join(base, 'ledger.sqlite');
  const login = { username: 'office-manager', password: 'season dashboard login' };
  const basic = `Basic ${Buffer.from(`${login.username}:${login.password}`).toString('base64')}`;
  const nodeRed = path.dirname(require.resolve(`${process.env.NODE_RED_MODULE || 'node-red'}/package.json`));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const bcrypt = require(require.resolve('bcryptjs', { paths: [nodeRed] })) as { hashSync(pw: string, rounds: number): string };
  let crm: CrmServer | undefined;
  let feed: FeedServer | undefined;
  let red: StartedRuntime | undefined;
  const stop = async () => {
    await red?.stop();
    await crm?.close();
    await feed?.close();
    fs.rmSync(base, { recursive: true, force: true });
  };
  try {
    crm = await CrmServer.start();
    feed = await startFeedServer();
    fs.mkdirSync(path.join(base, 'inbox'));
    fs.mkdirSync(path.join(base, 'user'));
    red = await startRuntime({
      userDir: path.join(base, 'user'),
      flow: seasonDefaultFlow(),
      env: {
        OFFICE_CODE: SEASON_OFFICE,
        OFFICE_TZ: 'UTC',
        RECALL_WATCH_DIR: path.join(base, 'inbox'),
        RECALL_LEDGER_DB: ledgerFile,
        RECALL_LEDGER_SECRET: SEASON_SECRET,
        RECALL_DRY_RUN: 'false',
        CRM_WEBHOOK_URL: `${crm.url}/hook`,
        CRM_SUPPRESSION_URL: feed.url,
        NODE_RED_ADMIN_USER: login.username,
        NODE_RED_ADMIN_PASSWORD_HASH: bcrypt.hashSync(login.password, 4),
      },
      auth: login,
    });
    const weeks: FlowSeasonWeek[] = [];
    const seen = new Set<string>();
    const theCrm = crm;
    const theFeed = feed;
    const theRed = red;
    const runWeek = async (): Promise<FlowSeasonWeek> => {
      const w = weeks.length;
      const asOf = office.asOf(w);
      const rows = office.rows(asOf);
      theFeed.answer = { status: 200, body: office.feedAt(w) };
      if (opts.refuseFirstIn?.includes(w)) theCrm.enqueue({ status: 422, body: { error: 'contact rejected by a CRM rule' } });
      const before = theCrm.requests.length;
      const res = await fetch(`${theRed.url}/season/run`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: basic }, body: JSON.stringify({ asOf, rows }) });
      if (res.status !== 202) throw new Error(`week ${w}: the flow answered HTTP ${res.status}`);
      const summary = await waitForRun(theRed, () => true, seen, { timeoutMs: 30_000 });
      const requests = theCrm.requests.slice(before);
      const week = { week: w, asOf, rows, requests, summary };
      weeks.push(week);
      // only what the CRM took reached anyone
      office.afterRun(w, reachedBy(office, requests.filter((r) => typeof r.answer === 'number' && r.answer < 300), SEASON_SECRET));
      return week;
    };
    for (let w = 0; w < opts.weeks; w++) await runWeek();
    return { office, weeks, feed: office.feed, red, crm, ledgerFile, secret: SEASON_SECRET, login, basic, runWeek, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

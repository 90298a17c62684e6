// The benchmarks, in the order of the table. Each module keeps its heavy requires
// inside run(), so listing them here loads nothing.
import type { BenchCase } from '../support/case';
import { bench as crmDoubles } from './crm-doubles';
import { bench as ledger } from './ledger';
import { bench as pdf } from './pdf';
import { bench as pipeline, bench10k as pipeline10k, bench300k as pipeline300k } from './pipeline';
import { bench as rateLimit } from './rate-limit';
import { bench as sinkVsNaive } from './sink-vs-naive';
import { bench as start } from './start';
import { bench as xlsx } from './xlsx';

export const CASES: BenchCase[] = [pipeline, pipeline10k, pipeline300k, sinkVsNaive, rateLimit, crmDoubles, ledger, xlsx, pdf, start];

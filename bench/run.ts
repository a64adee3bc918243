import { benchIngest } from './ingest.js';
import { machine, printTable, progress, writeResults } from './report.js';

/**
 * `npm run bench`: every scenario, each with its baseline measured in the same run. Results go
 * to bench/results/<scenario>.json and a table on stdout. Timings live here, never in `npm test`.
 */
progress(`machine: ${machine()}`);
const ingest = await benchIngest();
writeResults('ingest', ingest);
printTable(ingest);

import { readFileSync } from 'node:fs';
import { summarizeProfile } from './bench/profile.js';
console.log(summarizeProfile(JSON.parse(readFileSync(process.argv[2]!, 'utf8')), 35));

// Prints how many fuzz cases `npm run fuzz` ran (each property appends its case count to the tally).
import { readFileSync, rmSync } from 'node:fs';

const file = process.argv[2];
const counts = readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map(Number);
rmSync(file, { force: true });
const total = counts.reduce((a, b) => a + b, 0);
console.log(`fuzz: ${counts.length} properties, ${total.toLocaleString('en')} cases, no failure`);

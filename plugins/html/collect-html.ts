import type { HtmlDataUri, HtmlForm, HtmlIframe, HtmlLink, HtmlMeta, HtmlResult, HtmlScript } from './html-result.js';
import { emptyHints, scanAttribute, scanCode } from './obfuscation-hints.js';
import { absoluteBase, absoluteHttpUrl, resolveUrl } from './resolve-url.js';
import { tokenize } from './tag-events.js';

export interface CollectLimits {
  max_elements: number;
  max_scripts: number;
  huge_script_chars: number;
}

export interface InlineScript {
  index: number;
  type: string | null;
  text: string;
}

/** Script types browsers run as JavaScript (plus the old `language` names); the rest (VBScript, templates, JSON) is not routed to javascript. */
const JS_TYPES = /^(?:|module|(?:text|application)\/(?:x-)?(?:javascript|ecmascript|jscript)|javascript(?:1\.[0-9])?|jscript|ecmascript|livescript)$/;
const TEXT_CAP = 200;
const HIDING_STYLE = /display\s*:\s*none|visibility\s*:\s*hidden/i;

export function isJavaScriptType(type: string | null): boolean {
  return JS_TYPES.test(
    (type ?? '')
      .trim()
      .toLowerCase()
      .replace(/\s*;.*$/, ''),
  );
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function tinyOrZero(size: string | null): boolean {
  if (size === null) return false;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*$/i.exec(size);
  return m !== null && Number(m[1]) <= 1;
}

/** `5; url=http://x`, `0;URL='x'`, `3` → delay and target. */
export function parseRefresh(content: string): { delay: number | null; url: string | null } {
  const m = /^\s*(\d+(?:\.\d*)?)?\s*[;,]?\s*(?:url\s*=\s*)?(.*)$/is.exec(content)!;
  const delay = m[1] === undefined ? null : Math.floor(Number(m[1]));
  let url = m[2]!.trim();
  if (/^(['"]).*\1$/s.test(url)) url = url.slice(1, -1);
  return { delay, url: url === '' ? null : url };
}

/**
 * One pass of htmlparser2 (a streaming, tolerant tokenizer: no tree, so deep nesting costs an array
 * entry, not a stack frame) collecting what an analyst looks at in a phishing or drive-by page.
 * URLs are resolved at the end, so a `<base>` anywhere applies to every URL as it does in a browser.
 */
export function collectHtml(text: string, limits: CollectLimits): { result: HtmlResult; scripts: InlineScript[] } {
  const dropped: Record<string, number> = {};
  const push = <T>(list: T[], name: string, item: T): T | undefined => {
    if (list.length < limits.max_elements) {
      list.push(item);
      return item;
    }
    dropped[name] = (dropped[name] ?? 0) + 1;
    return undefined;
  };
  const links: HtmlLink[] = [];
  const forms: HtmlForm[] = [];
  const iframes: HtmlIframe[] = [];
  const meta: HtmlMeta[] = [];
  const scripts: HtmlScript[] = [];
  const stylesheets: string[] = [];
  const images: string[] = [];
  const dataUris: HtmlDataUri[] = [];
  const handlers: Record<string, number> = {};
  let handlerTotal = 0;
  const hints = emptyHints();
  const inline: InlineScript[] = [];
  let inlineCount = 0;
  let elements = 0;
  let title: string | null = null;
  let titleText: string[] | null = null;
  let baseHref: string | null = null;
  let refresh: HtmlResult['meta_refresh'] = null;
  let openLink: { link: HtmlLink; text: string } | null = null;
  let openForm: HtmlForm | null = null;
  let openScript: { type: string | null; chunks: string[] } | null = null;

  const handler = {
    onopentag(name: string, attribs: Record<string, string>) {
      elements++;
      for (const [attr, value] of Object.entries(attribs)) {
        if (/^on[a-z]+$/.test(attr)) {
          handlerTotal++;
          handlers[attr] = (handlers[attr] ?? 0) + 1;
          scanCode(hints, value);
        } else if (/^\s*data:/i.test(value)) {
          const m = /^\s*data:([^;,]*)((?:;[^,]*)?),?/i.exec(value)!;
          push(dataUris, 'data_uris', {
            tag: name,
            attribute: attr,
            mime: m[1]!.trim().toLowerCase() || 'text/plain',
            base64: /;base64/i.test(m[2]!),
            length: value.length,
          });
        } else scanAttribute(hints, value);
      }
      switch (name) {
        case 'title':
          if (title === null && titleText === null) titleText = [];
          break;
        case 'base':
          if (baseHref === null && attribs.href !== undefined) baseHref = attribs.href;
          break;
        case 'a':
        case 'area':
          if (attribs.href !== undefined) {
            const link = push(links, 'links', { tag: name, href: attribs.href, url: attribs.href, text: '' });
            if (link && name === 'a') openLink = { link, text: '' };
          }
          break;
        case 'form':
          openForm =
            push(forms, 'forms', {
              action: attribs.action ?? null,
              url: attribs.action ?? null,
              method: (attribs.method ?? 'get').trim().toUpperCase(),
              has_password: false,
              inputs: [],
            }) ?? null;
          break;
        case 'input':
        case 'select':
        case 'textarea':
        case 'button':
          if (openForm) {
            const type = attribs.type === undefined ? null : attribs.type.trim().toLowerCase();
            if (type === 'password') openForm.has_password = true;
            if (openForm.inputs.length < limits.max_elements) openForm.inputs.push({ tag: name, type, name: attribs.name ?? null });
            else dropped.inputs = (dropped.inputs ?? 0) + 1;
          }
          break;
        case 'iframe':
        case 'frame': {
          const width = attribs.width ?? null;
          const height = attribs.height ?? null;
          const hidden = tinyOrZero(width) || tinyOrZero(height) || HIDING_STYLE.test(attribs.style ?? '') || attribs.hidden !== undefined;
          push(iframes, 'iframes', { tag: name, src: attribs.src ?? null, url: attribs.src ?? null, width, height, hidden });
          break;
        }
        case 'meta': {
          const equiv = attribs['http-equiv'] ?? null;
          const content = attribs.content ?? null;
          if (equiv?.trim().toLowerCase() === 'refresh' && content !== null && refresh === null) refresh = { ...parseRefresh(content), content };
          if (attribs.charset === undefined || content !== null)
            push(meta, 'meta', { name: attribs.name ?? null, http_equiv: equiv, property: attribs.property ?? null, content });
          break;
        }
        case 'script':
          if (attribs.src !== undefined) push(scripts, 'scripts', { src: attribs.src, url: attribs.src, type: attribs.type ?? null });
          else openScript = { type: attribs.type ?? attribs.language ?? null, chunks: [] };
          break;
        case 'link':
          if (attribs.href !== undefined && /(?:^|\s)stylesheet(?:\s|$)/i.test(attribs.rel ?? '')) push(stylesheets, 'stylesheets', attribs.href);
          break;
        case 'img':
          if (attribs.src !== undefined) images.push(attribs.src);
          break;
      }
    },
    ontext(data: string) {
      if (openScript) openScript.chunks.push(data);
      else {
        if (titleText) titleText.push(data);
        if (openLink && openLink.text.length < TEXT_CAP * 4) openLink.text += data;
      }
    },
    onclosetag(name: string) {
      if (name === 'title' && titleText) {
        title = collapse(titleText.join(''));
        titleText = null;
      } else if (name === 'a' && openLink) {
        openLink.link.text = collapse(openLink.text).slice(0, TEXT_CAP);
        openLink = null;
      } else if (name === 'form') openForm = null;
      else if (name === 'script' && openScript) {
        const code = openScript.chunks.join('');
        if (code.trim() !== '') {
          inlineCount++;
          scanCode(hints, code);
          hints.largest_inline_script = Math.max(hints.largest_inline_script, code.length);
          if (code.length > limits.huge_script_chars) hints.huge_inline_scripts++;
          if (inline.length < limits.max_scripts) inline.push({ index: inlineCount - 1, type: openScript.type, text: code });
          else dropped.extracted_scripts = (dropped.extracted_scripts ?? 0) + 1;
        }
        openScript = null;
      }
    },
  };
  tokenize(text, handler);
  // What is still open at the end of the page ends there.
  for (const name of ['title', 'a', 'script']) handler.onclosetag(name);

  const base = absoluteBase(baseHref);
  for (const l of links) l.url = resolveUrl(l.href, base);
  for (const f of forms) if (f.action !== null) f.url = resolveUrl(f.action, base);
  for (const i of iframes) if (i.src !== null) i.url = resolveUrl(i.src, base);
  for (const s of scripts) s.url = resolveUrl(s.src, base);
  const meta_refresh = refresh as HtmlResult['meta_refresh'];
  if (meta_refresh?.url) meta_refresh.url = resolveUrl(meta_refresh.url, base);
  const baseHost = base?.host.toLowerCase() ?? null;
  const external_images: string[] = [];
  for (const src of new Set(images)) {
    const url = absoluteHttpUrl(src, base);
    if (url !== null && url.host !== baseHost) push(external_images, 'external_images', url.href);
  }
  return {
    result: {
      title,
      base_href: baseHref,
      links,
      forms,
      iframes,
      meta_refresh,
      meta,
      scripts,
      inline_scripts: inlineCount,
      stylesheets: stylesheets.map((s) => resolveUrl(s, base)),
      external_images,
      data_uris: dataUris,
      event_handlers: { total: handlerTotal, by_name: handlers },
      obfuscation: hints,
      counts: { elements, bytes_parsed: 0 },
      dropped,
    },
    scripts: inline,
  };
}

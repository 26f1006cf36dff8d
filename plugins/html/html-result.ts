/** The result shape of the html plugin (see README.md, "Results"). */
export interface HtmlLink {
  tag: string;
  /** The attribute as written (entities decoded). */
  href: string;
  /** `href` resolved against an absolute base; `href` itself otherwise. */
  url: string;
  /** Visible text inside the element, whitespace collapsed; '' for `area`. */
  text: string;
}

export interface HtmlInput {
  tag: string;
  type: string | null;
  name: string | null;
}

export interface HtmlForm {
  action: string | null;
  url: string | null;
  method: string;
  has_password: boolean;
  inputs: HtmlInput[];
}

export interface HtmlIframe {
  tag: string;
  src: string | null;
  url: string | null;
  width: string | null;
  height: string | null;
  hidden: boolean;
}

export interface HtmlMeta {
  name: string | null;
  http_equiv: string | null;
  property: string | null;
  content: string | null;
}

export interface HtmlScript {
  src: string;
  url: string;
  type: string | null;
}

export interface HtmlDataUri {
  tag: string;
  attribute: string;
  mime: string;
  base64: boolean;
  length: number;
}

export interface HtmlObfuscation {
  document_write: number;
  unescape: number;
  eval: number;
  from_char_code: number;
  long_base64_blobs: number;
  huge_inline_scripts: number;
  largest_inline_script: number;
}

export interface HtmlResult {
  title: string | null;
  base_href: string | null;
  links: HtmlLink[];
  forms: HtmlForm[];
  iframes: HtmlIframe[];
  meta_refresh: { delay: number | null; url: string | null; content: string } | null;
  meta: HtmlMeta[];
  scripts: HtmlScript[];
  inline_scripts: number;
  stylesheets: string[];
  external_images: string[];
  data_uris: HtmlDataUri[];
  event_handlers: { total: number; by_name: Record<string, number> };
  obfuscation: HtmlObfuscation;
  counts: { elements: number; bytes_parsed: number };
  /** Lists cut at max_elements, with how many entries each dropped. */
  dropped: Record<string, number>;
}

/** The results the pdf plugin reports (README.md § Results shows a real example). */
export interface PdfResult {
  /** From the `%PDF-x.y` header; null when there is none. */
  version: string | null;
  /** The catalog's /Version (it overrides the header's when later). */
  catalog_version: string | null;
  header_offset: number;
  linearized: boolean;
  xref: {
    /** Cross-reference sections read through /Prev: more than one means incremental updates. */
    sections: number;
    kinds: ('table' | 'stream')[];
    startxref: number | null;
    /** True when objects were found by scanning for `N G obj` (a missing or broken xref). */
    rebuilt: boolean;
    eof_markers: number;
  };
  encryption: EncryptionInfo | null;
  page_count: number | null;
  /** The Info dictionary, text strings decoded (PDFDocEncoding or UTF-16BE). */
  info: Record<string, string> | null;
  /** Info's CreationDate and ModDate as ISO 8601 (UTC). */
  info_dates: Record<string, string>;
  xmp: { size: number; fields: Record<string, string>; packet: string; truncated: boolean } | null;
  object_count: number;
  stream_count: number;
  object_streams: { count: number; objects: number };
  /** Objects (dictionaries and streams) by /Type. */
  object_types: Record<string, number>;
  /** Streams by filter name (a stream with two filters counts for both). */
  filters: Record<string, number>;
  /** Action dictionaries by /S. */
  action_types: Record<string, number>;
  uris: { uri: string; object: number }[];
  launch_actions: { file: string | null; parameters: string | null; operation: string | null; object: number }[];
  open_action: TargetInfo | null;
  additional_actions: (TargetInfo & { owner: string; owner_object: number; trigger: string })[];
  javascript: { object: number; source: 'string' | 'stream'; size: number; extracted: boolean }[];
  embedded_files: { name: string | null; size: number | null; object: number | null; source: 'name_tree' | 'annotation' | 'filespec'; extracted: boolean }[];
  /** What was wrong with the file; each is also an error of the response. */
  damage: string[];
}

export interface EncryptionInfo {
  filter: string | null;
  sub_filter: string | null;
  v: number | null;
  r: number | null;
  /** Key length in bits (40 when /Length is absent, as the standard says). */
  length: number | null;
  p: number | null;
  stream_method: string | null;
  string_method: string | null;
  /** True when the empty user password opened it and strings and streams were decrypted. */
  decrypted: boolean;
}

/** Where an /OpenAction or an /AA entry points. */
export interface TargetInfo {
  kind: 'action' | 'destination' | 'missing';
  /** The action's /S (JavaScript, URI, Launch, GoTo, …). */
  action: string | null;
  /** The object it is in, when it is a reference. */
  object: number | null;
}

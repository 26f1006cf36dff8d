/** The result shape of the javascript plugin (see README.md, "Results"). */
export interface JavascriptResult {
  parse: {
    /** What parsed the source: a strict script or module parse, or acorn-loose; null when nothing did. */
    mode: 'script' | 'module' | 'loose' | null;
    errors: { mode: string; message: string; offset: number | null }[];
  };
  calls: { total: number; by_name: Record<string, number> };
  new_expressions: { total: number; by_name: Record<string, number> };
  suspicious: Record<string, number>;
  identifiers: { total: number; unique: number; average_length: number; hex_style: number; hex_style_share: number };
  keywords: { total: number; by_name: Record<string, number> };
  strings: { total: number; unique: number; values: string[]; dropped: number };
  urls: string[];
  ips: string[];
  obfuscation: {
    long_strings: number;
    longest_string: number;
    escape_share: number;
    max_concat_depth: number;
    eval_of_decoded: number;
    long_lines: number;
    longest_line: number;
    literal_entropy: number;
    max_literal_entropy: number;
  };
  counts: { bytes_parsed: number; lines: number; tokens: number; nodes: number };
}

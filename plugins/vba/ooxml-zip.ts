/**
 * A macro-enabled OOXML file (docm, xlsm, pptm) handed over whole: its `vbaProject.bin` members
 * (read like any other VBA project) and the names of its Excel 4.0 macro sheets. The decompress
 * plugin extracts members anyway; reading these two here is cheap and keeps a direct scan
 * useful.
 */
import { unzipSync } from 'fflate';

export interface ZipMembers {
  vba_projects: Array<{ path: string; data: Uint8Array }>;
  macro_sheets: string[];
  problems: string[];
}

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

export function readZipMembers(bytes: Uint8Array, maxMemberSize: number, maxMembers: number): ZipMembers {
  const out: ZipMembers = { vba_projects: [], macro_sheets: [], problems: [] };
  let seen = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (f) => {
        if (++seen > maxMembers) return false;
        if (/^xl\/macrosheets\/[^/]+\.xml$/i.test(f.name)) out.macro_sheets.push(f.name);
        if (!/(^|\/)vbaProject\.bin$/i.test(f.name)) return false;
        if (f.originalSize > maxMemberSize) {
          out.problems.push(`zip member ${f.name} is ${f.originalSize} bytes, more than max_size (${maxMemberSize}): not read`);
          return false;
        }
        return true;
      },
    });
  } catch (err) {
    out.problems.push(`zip could not be read: ${(err as Error).message}`);
    return out;
  }
  if (seen > maxMembers) out.problems.push(`zip has more than ${maxMembers} members: the rest are not looked at`);
  for (const [path, data] of Object.entries(files)) out.vba_projects.push({ path, data });
  return out;
}

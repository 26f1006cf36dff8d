import { createHash } from 'node:crypto';
import { readSigner, type SignerCertificate } from './authenticode.js';
import { readCertificates } from './certificates.js';
import { readDebugDirectory, utcString } from './debug-directory.js';
import { readDotnet } from './dotnet.js';
import { readExports } from './exports.js';
import { imphash, readImports } from './imports.js';
import { characteristicFlags, machineName, subsystemName } from './pe-names.js';
import { DIR, PeImage } from './pe-image.js';
import { readResources } from './resources.js';
import { readRichHeader } from './rich-header.js';
import { readTlsCallbacks } from './tls-callbacks.js';
import { readVersionStrings } from './version-info.js';

export interface Limits {
  max_sections: number;
  max_imports: number;
  max_exports: number;
  max_resource_depth: number;
  max_resource_entries: number;
  max_resource_size: number;
  max_certificates: number;
  max_tls_callbacks: number;
  max_debug_entries: number;
}

export interface Carried {
  kind: 'resource' | 'overlay' | 'certificate';
  data: Buffer;
  meta: Record<string, unknown>;
}

export interface Analysis {
  results: Record<string, unknown>;
  extracted: Carried[];
  warnings: string[];
}

const WIN_CERT_TYPE_PKCS_SIGNED_DATA = 2;
const DRIVER_DLLS = new Set(['ntoskrnl.exe', 'hal.dll', 'ndis.sys', 'bootvid.dll', 'kdcom.dll']);
const hex = (algorithm: string, b: Buffer) => createHash(algorithm).update(b).digest('hex');

/**
 * Everything peinfo reports about one PE. Headers that cannot be read throw PeFormatError; a
 * table that cannot be read adds a warning and the rest is still reported. Keys whose value is
 * empty are left out, as upstream's peinfo leaves them out.
 */
export function analysePe(data: Buffer, limits: Limits): Analysis {
  const pe = new PeImage(data, limits.max_sections);
  const warnings = pe.warnings;
  const warn = (m: string) => warnings.push(m);
  const extracted: Carried[] = [];
  const r: Record<string, unknown> = {};

  const imports = readImports(pe, { maxImports: limits.max_imports }, warn);
  const importMap: Record<string, string[]> = {};
  for (const { dll, symbols } of imports) {
    (importMap[dll] ??= []).push(...symbols.map((s) => s.name ?? String(s.ordinal)));
  }
  const exports = readExports(pe, limits.max_exports, warn);
  const resources = readResources(
    pe,
    { maxDepth: limits.max_resource_depth, maxEntries: limits.max_resource_entries, maxSize: limits.max_resource_size },
    warn,
  );
  const versionResource = resources.find((x) => x.type_id === 16 && x.data.length > 0);
  const certificates = readCertificates(pe, limits.max_certificates, warn);
  const rich = readRichHeader(pe);
  const isDll = (pe.characteristics & 0x2000) !== 0;
  const isDriver =
    imports.some((i) => DRIVER_DLLS.has(i.dll.toLowerCase())) ||
    ((pe.subsystem === 1 || pe.subsystem === 8) && pe.sections.some((s) => ['page', 'paged'].includes(s.name.toLowerCase())));

  r['format'] = pe.is64 ? 'PE32+' : 'PE32';
  r['machine'] = { value: pe.machine, name: machineName(pe.machine) };
  r['subsystem'] = { value: pe.subsystem, name: subsystemName(pe.subsystem) };
  r['characteristics'] = { value: pe.characteristics, flags: characteristicFlags(pe.characteristics) };
  r['compile_time_epoch'] = pe.timeDateStamp;
  r['compile_time'] = utcString(pe.timeDateStamp);
  r['image_base'] = { image_base: Number(pe.imageBase), image_base_string: `0x${pe.imageBase.toString(16)}` };
  r['entrypoint'] = { entry_point: pe.entryPoint, entry_point_string: `0x${pe.entryPoint.toString(16)}` };
  r['is_exe'] = !isDll && !isDriver && (pe.characteristics & 0x0002) !== 0;
  r['is_dll'] = isDll;
  r['is_driver'] = isDriver;
  r['sections'] = pe.sections.map((s) => {
    const bytes = pe.sectionData(s);
    return {
      name: s.name,
      virtaddr: s.virtualAddress,
      virtsize: s.virtualSize,
      raw_size: s.rawSize,
      raw_offset: s.rawPointer,
      characteristics: s.characteristics,
      entropy: entropy(bytes),
      md5: hex('md5', bytes),
      sha1: hex('sha1', bytes),
      sha256: hex('sha256', bytes),
    };
  });
  if (imports.length > 0) {
    r['imports'] = importMap;
    r['imphash'] = imphash(imports);
  }
  if (exports.length > 0) r['exports'] = exports;
  if (versionResource) {
    const strings = readVersionStrings(versionResource.data);
    if (Object.keys(strings).length > 0) r['version_info'] = strings;
  }
  if (resources.length > 0) {
    r['resources'] = resources.map(({ data: bytes, ...rest }) => {
      const meta = { ...rest, md5: hex('md5', bytes), sha1: hex('sha1', bytes), sha256: hex('sha256', bytes) };
      if (bytes.length > 0) extracted.push({ kind: 'resource', data: bytes, meta: { resource: meta } });
      return meta;
    });
  }
  if (rich) {
    r['rich_header'] = rich.sha256;
    r['rich_header_info'] = { checksum: rich.checksum, md5: rich.md5, entries: rich.entries };
  }
  const tls = readTlsCallbacks(pe, limits.max_tls_callbacks, warn);
  if (tls.length > 0) r['tls_callbacks'] = tls;
  const debug = readDebugDirectory(pe, limits.max_debug_entries, warn);
  if (debug.length > 0) r['debug_info'] = debug;
  if (certificates.length > 0) {
    r['certificates'] = certificates.map(({ data: blob, ...meta }) => {
      extracted.push({ kind: 'certificate', data: blob, meta: { certificate: meta } });
      return meta;
    });
    const signed = certificates.find((c) => c.cert_type === WIN_CERT_TYPE_PKCS_SIGNED_DATA);
    if (signed) {
      const signer = signerOf(signed.data, warn);
      if (signer) r['signature'] = signer;
    }
  }
  const dotnet = readDotnet(pe, warn);
  if (dotnet) r['dotnet'] = dotnet;
  const overlayOffset = pe.overlayOffset();
  if (overlayOffset !== undefined) {
    r['overlay'] = { offset: overlayOffset, size: data.length - overlayOffset };
    // pefile counts the certificate table as overlay; when that is all the overlay is, its
    // PKCS#7 is already extracted, and a second copy with the table's headers would add nothing.
    const table = pe.directory(DIR.SECURITY);
    const onlyCertificates = certificates.length > 0 && table !== undefined && table.rva === overlayOffset && table.rva + table.size === data.length;
    if (!onlyCertificates) extracted.push({ kind: 'overlay', data: data.subarray(overlayOffset), meta: { overlay_offset: overlayOffset } });
  }
  return { results: r, extracted, warnings };
}

function signerOf(pkcs7: Buffer, warn: (m: string) => void): SignerCertificate | undefined {
  try {
    const signer = readSigner(pkcs7);
    if (!signer) warn('the Authenticode signature names no signer certificate that it carries');
    return signer;
  } catch (e) {
    warn(`the Authenticode signature cannot be parsed: ${(e as Error).message}`);
    return undefined;
  }
}

/** Shannon entropy in bits per byte, as pefile's `get_entropy()`. */
function entropy(b: Buffer): number {
  if (b.length === 0) return 0;
  const counts = new Array<number>(256).fill(0);
  for (const x of b) counts[x]!++;
  let e = 0;
  for (const c of counts) {
    if (c > 0) {
      const p = c / b.length;
      e -= p * Math.log2(p);
    }
  }
  return e;
}

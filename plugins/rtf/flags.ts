/**
 * Root CLSIDs of embedded OLE2 objects seen in exploits, with the reason to look closer.
 * Facts from public vulnerability write-ups (MS-OLEDS, CERT VU#421280 and VU#921560).
 */
export const FLAGGED_CLSIDS: Record<string, string> = {
  '0002CE02-0000-0000-C000-000000000046': 'Microsoft Equation 3.0 (Equation Editor: CVE-2017-11882, CVE-2018-0802)',
  '00021700-0000-0000-C000-000000000046': 'Microsoft Equation 2.0 (Equation Editor: CVE-2017-11882, CVE-2018-0802)',
  '0003000B-0000-0000-C000-000000000046': 'Microsoft Equation (Equation Editor: CVE-2017-11882, CVE-2018-0802)',
  '00000300-0000-0000-C000-000000000046': 'StdOleLink, a link to remote content (CVE-2017-0199, CVE-2017-8570)',
  '00000303-0000-0000-C000-000000000046': 'File Moniker (CVE-2017-0199, CVE-2017-8570)',
  '00000309-0000-0000-C000-000000000046': 'Composite Moniker (CVE-2017-8570)',
  '79EAC9E0-BAF9-11CE-8C82-00AA004BA90B': 'URL Moniker (CVE-2017-0199, CVE-2018-8174)',
  '06290BD3-48AA-11D2-8432-006008C3FBFC': 'Script Moniker (CVE-2017-0199)',
  '3050F4D8-98B5-11CF-BB82-00AA00BDCE0B': 'HTML Application (CVE-2017-0199)',
  'BDD1F04B-858B-11D1-B16A-00C0F0283628': 'MSCOMCTL ListView control (CVE-2012-0158)',
  '996BF5E0-8044-4650-ADEB-0B013914E99C': 'MSCOMCTL ListView control (CVE-2012-0158)',
  'C74190B6-8589-11D1-B16A-00C0F0283628': 'MSCOMCTL TreeView control (CVE-2012-0158)',
  '9181DC5F-E07D-418A-ACA6-8EEA1ECB8E9E': 'MSCOMCTL TreeView control (CVE-2012-0158)',
  '66833FE6-8583-11D1-B16A-00C0F0283628': 'MSCOMCTL Toolbar control (CVE-2012-0158, CVE-2012-1856)',
  '1EFB6596-857C-11D1-B16A-00C0F0283628': 'MSCOMCTL TabStrip control (CVE-2012-1856, CVE-2013-3906)',
  'D27CDB6E-AE6D-11CF-96B8-444553540000': 'Shockwave Flash object (many Flash CVEs)',
  'D27CDB70-AE6D-11CF-96B8-444553540000': 'Shockwave Flash object (many Flash CVEs)',
};

/** File types Windows runs or interprets when opened: a Package carrying one is a lure. */
const EXECUTABLE = new Set(
  'bat class cmd com cpl dll exe gadget hta inf jar js jse lnk msc msi msp pif ps1 ps1xml ps2 ps2xml psc1 psc2 reg scf scr sct vb vbe vbs ws wsc wsf wsh'.split(
    ' ',
  ),
);

/** The extension of a Windows or POSIX path's last component, lower case, without the dot ('' if none). */
export function extensionOf(path: string): string {
  const base = path.slice(Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/')) + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot + 1).toLowerCase();
}

export interface FlagInput {
  class_name: string | null;
  /** The RTF `\objclass` text: what Word shows the object as. */
  rtf_objclass: string | null;
  clsid: string | null;
  pkg: { filename: string; temp_path: string } | null;
}

/** Why an object deserves a closer look; empty when nothing is known against it. */
export function flagsFor({ class_name, rtf_objclass, clsid, pkg }: FlagInput): string[] {
  const flags: string[] = [];
  if (class_name && rtf_objclass && class_name.toLowerCase() !== rtf_objclass.toLowerCase())
    flags.push(`RTF \\objclass ${rtf_objclass} disguises the OLE1 class ${class_name}`);
  const cls = (class_name ?? '').toLowerCase();
  if (cls.startsWith('equation.3')) flags.push(`class ${class_name}: Equation Editor object, exploited by CVE-2017-11882 and CVE-2018-0802`);
  if (class_name === 'OLE2Link') flags.push('class OLE2Link: a link that fetches remote content when opened (CVE-2017-0199)');
  if (clsid && FLAGGED_CLSIDS[clsid]) flags.push(`CLSID ${clsid}: ${FLAGGED_CLSIDS[clsid]}`);
  if (pkg) {
    const names = [pkg.filename, pkg.temp_path].map(extensionOf);
    const exe = names.find((e) => EXECUTABLE.has(e));
    if (exe) flags.push(`Package carries an executable file type (.${exe})`);
    if (names[0] !== names[1]) flags.push(`Package file extension differs between label (.${names[0]}) and temp path (.${names[1]})`);
  }
  return flags;
}

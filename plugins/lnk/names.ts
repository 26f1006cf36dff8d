/** Names from MS-SHLLINK and the Windows headers it cites. */

export const LINK_FLAGS = [
  'HasLinkTargetIDList',
  'HasLinkInfo',
  'HasName',
  'HasRelativePath',
  'HasWorkingDir',
  'HasArguments',
  'HasIconLocation',
  'IsUnicode',
  'ForceNoLinkInfo',
  'HasExpString',
  'RunInSeparateProcess',
  'Unused1',
  'HasDarwinID',
  'RunAsUser',
  'HasExpIcon',
  'NoPidlAlias',
  'Unused2',
  'RunWithShimLayer',
  'ForceNoLinkTrack',
  'EnableTargetMetadata',
  'DisableLinkPathTracking',
  'DisableKnownFolderTracking',
  'DisableKnownFolderAlias',
  'AllowLinkToLink',
  'UnaliasOnSave',
  'PreferEnvironmentPath',
  'KeepLocalIDListForUNCTarget',
];

export const FILE_ATTRIBUTES = [
  'FILE_ATTRIBUTE_READONLY',
  'FILE_ATTRIBUTE_HIDDEN',
  'FILE_ATTRIBUTE_SYSTEM',
  'Reserved1',
  'FILE_ATTRIBUTE_DIRECTORY',
  'FILE_ATTRIBUTE_ARCHIVE',
  'Reserved2',
  'FILE_ATTRIBUTE_NORMAL',
  'FILE_ATTRIBUTE_TEMPORARY',
  'FILE_ATTRIBUTE_SPARSE_FILE',
  'FILE_ATTRIBUTE_REPARSE_POINT',
  'FILE_ATTRIBUTE_COMPRESSED',
  'FILE_ATTRIBUTE_OFFLINE',
  'FILE_ATTRIBUTE_NOT_CONTENT_INDEXED',
  'FILE_ATTRIBUTE_ENCRYPTED',
];

/** The names of the set bits; bits past the list are named by their value. */
export function bitNames(value: number, names: string[]): string[] {
  const out: string[] = [];
  for (let bit = 0; bit < 32; bit++) {
    if (((value >>> bit) & 1) === 0) continue;
    out.push(names[bit] ?? `0x${(2 ** bit).toString(16)}`);
  }
  return out;
}

const SHOW_COMMANDS: Record<number, string> = { 1: 'SW_SHOWNORMAL', 3: 'SW_SHOWMAXIMIZED', 7: 'SW_SHOWMINNOACTIVE' };

/** Any other value means SW_SHOWNORMAL (MS-SHLLINK 2.1). */
export const showCommandName = (v: number): string => SHOW_COMMANDS[v] ?? 'SW_SHOWNORMAL';

function keyName(key: number): string | undefined {
  if ((key >= 0x30 && key <= 0x39) || (key >= 0x41 && key <= 0x5a)) return String.fromCharCode(key);
  if (key >= 0x70 && key <= 0x87) return `F${key - 0x6f}`;
  if (key === 0x90) return 'NUM LOCK';
  if (key === 0x91) return 'SCROLL LOCK';
  return undefined;
}

/** HotKeyFlags: the low byte a virtual key, the high byte SHIFT (1), CTRL (2), ALT (4). */
export function hotkeyName(v: number): string | null {
  if (v === 0) return null;
  const mods = v >> 8;
  const parts = [mods & 2 ? 'CTRL' : '', mods & 4 ? 'ALT' : '', mods & 1 ? 'SHIFT' : ''].filter(Boolean);
  parts.push(keyName(v & 0xff) ?? `0x${(v & 0xff).toString(16).padStart(2, '0')}`);
  return parts.join('+');
}

const DRIVE_TYPES = ['DRIVE_UNKNOWN', 'DRIVE_NO_ROOT_DIR', 'DRIVE_REMOVABLE', 'DRIVE_FIXED', 'DRIVE_REMOTE', 'DRIVE_CDROM', 'DRIVE_RAMDISK'];
export const driveTypeName = (v: number): string => DRIVE_TYPES[v] ?? `0x${v.toString(16)}`;

const NETWORK_PROVIDERS: Record<number, string> = {
  0x1a0000: 'WNNC_NET_AVID',
  0x1b0000: 'WNNC_NET_DOCUSPACE',
  0x1c0000: 'WNNC_NET_MANGOSOFT',
  0x1d0000: 'WNNC_NET_SERNET',
  0x1e0000: 'WNNC_NET_RIVERFRONT1',
  0x1f0000: 'WNNC_NET_RIVERFRONT2',
  0x200000: 'WNNC_NET_DECORB',
  0x210000: 'WNNC_NET_PROTSTOR',
  0x220000: 'WNNC_NET_FJ_REDIR',
  0x230000: 'WNNC_NET_DISTINCT',
  0x240000: 'WNNC_NET_TWINS',
  0x250000: 'WNNC_NET_RDR2SAMPLE',
  0x260000: 'WNNC_NET_CSC',
  0x270000: 'WNNC_NET_3IN1',
  0x290000: 'WNNC_NET_EXTENDNET',
  0x2a0000: 'WNNC_NET_STAC',
  0x2b0000: 'WNNC_NET_FOXBAT',
  0x2c0000: 'WNNC_NET_YAHOO',
  0x2d0000: 'WNNC_NET_EXIFS',
  0x2e0000: 'WNNC_NET_DAV',
  0x2f0000: 'WNNC_NET_KNOWARE',
  0x300000: 'WNNC_NET_OBJECT_DIRE',
  0x310000: 'WNNC_NET_MASFAX',
  0x320000: 'WNNC_NET_HOB_NFS',
  0x330000: 'WNNC_NET_SHIVA',
  0x340000: 'WNNC_NET_IBMAL',
  0x350000: 'WNNC_NET_LOCK',
  0x360000: 'WNNC_NET_TERMSRV',
  0x370000: 'WNNC_NET_SRT',
  0x380000: 'WNNC_NET_QUINCY',
  0x390000: 'WNNC_NET_OPENAFS',
  0x3a0000: 'WNNC_NET_AVID1',
  0x3b0000: 'WNNC_NET_DFS',
  0x3c0000: 'WNNC_NET_KWNP',
  0x3d0000: 'WNNC_NET_ZENWORKS',
  0x3e0000: 'WNNC_NET_DRIVEONWEB',
  0x3f0000: 'WNNC_NET_VMWARE',
  0x400000: 'WNNC_NET_RSFX',
  0x410000: 'WNNC_NET_MFILES',
  0x420000: 'WNNC_NET_MS_NFS',
  0x430000: 'WNNC_NET_GOOGLE',
  0x20000: 'WNNC_NET_LANMAN',
};
export const networkProviderName = (v: number): string => NETWORK_PROVIDERS[v] ?? `0x${v.toString(16)}`;

export const BLOCK_NAMES: Record<number, string> = {
  0xa0000001: 'EnvironmentVariableDataBlock',
  0xa0000002: 'ConsoleDataBlock',
  0xa0000003: 'TrackerDataBlock',
  0xa0000004: 'ConsoleFEDataBlock',
  0xa0000005: 'SpecialFolderDataBlock',
  0xa0000006: 'DarwinDataBlock',
  0xa0000007: 'IconEnvironmentDataBlock',
  0xa0000008: 'ShimDataBlock',
  0xa0000009: 'PropertyStoreDataBlock',
  0xa000000b: 'KnownFolderDataBlock',
  0xa000000c: 'VistaAndAboveIDListDataBlock',
};

/** Shell folders by CLSID, as root items name them. */
export const SHELL_FOLDERS: Record<string, string> = {
  '20d04fe0-3aea-1069-a2d8-08002b30309d': 'My Computer',
  '450d8fba-ad25-11d0-98a8-0800361b1103': 'My Documents',
  '208d2c60-3aea-1069-a2d7-08002b30309d': 'My Network Places',
  '645ff040-5081-101b-9f08-00aa002f954e': 'Recycle Bin',
  '21ec2020-3aea-1069-a2dd-08002b30309d': 'Control Panel',
  '59031a47-3f72-44a7-89c5-5595fe6b30ee': 'Shared Documents Folder (Users Files)',
  '871c5380-42a0-1069-a2ea-08002b30309d': 'Internet Explorer',
  'f02c1a0d-be21-4350-88b0-7367fc96ef3c': 'Network',
  '031e4825-7b94-4dc3-b131-e946b44c8dd5': 'Libraries',
  '26ee0668-a00a-44d7-9371-beb064c98683': 'Control Panel (category view)',
};

/** Known folders by KNOWNFOLDERID. */
export const KNOWN_FOLDERS: Record<string, string> = {
  'b4bfcc3a-db2c-424c-b029-7fe99a87c641': 'Desktop',
  'fdd39ad0-238f-46af-adb4-6c85480369c7': 'Documents',
  '374de290-123f-4565-9164-39c4925e467b': 'Downloads',
  '4bd8d571-6d19-48d3-be97-422220080e43': 'Music',
  '33e28130-4e1e-4676-835a-98395c3bc3bb': 'Pictures',
  '18989b1d-99b5-455b-841c-ab7c74e4ddfc': 'Videos',
  'f38bf404-1d43-42f2-9305-67de0b28fc23': 'Windows',
  '1ac14e77-02e7-4e5d-b744-2eb1ae5198b7': 'System',
  'd65231b0-b2f1-4857-a4ce-a8e7c6ea7d27': 'SystemX86',
  '905e63b6-c1bf-494e-b29c-65b732d3d21a': 'ProgramFiles',
  '7c5a40ef-a0fb-4bfc-874a-c0f2e0b9fa8e': 'ProgramFilesX86',
  '62ab5d82-fdc1-4dc3-a9dd-070d1d495d97': 'ProgramData',
  '3eb685db-65f9-4cf6-a03a-e3ef65729f3d': 'RoamingAppData',
  'f1b32785-6fba-4fcf-9d55-7b8e7f157091': 'LocalAppData',
  'a77f5d77-2e2b-44c3-a6a2-aba601054a51': 'Programs',
  '625b53c3-ab48-4ec1-ba1f-a1ef4146fc19': 'StartMenu',
  'b97d20bb-f46a-4c97-ba10-5e3608430854': 'Startup',
  '5e6c858f-0e22-4760-9afe-ea3317b67173': 'Profile',
  '0762d272-c50a-4bb0-a382-697dcd729b80': 'UserProfiles',
  '8ad10c31-2adb-4296-a8f7-e4701232c972': 'ResourceDir',
};

/** CSIDL values of SpecialFolderDataBlock. */
export const SPECIAL_FOLDERS: Record<number, string> = {
  0x00: 'CSIDL_DESKTOP',
  0x02: 'CSIDL_PROGRAMS',
  0x05: 'CSIDL_PERSONAL',
  0x07: 'CSIDL_STARTUP',
  0x0b: 'CSIDL_STARTMENU',
  0x10: 'CSIDL_DESKTOPDIRECTORY',
  0x1a: 'CSIDL_APPDATA',
  0x1c: 'CSIDL_LOCAL_APPDATA',
  0x23: 'CSIDL_COMMON_APPDATA',
  0x24: 'CSIDL_WINDOWS',
  0x25: 'CSIDL_SYSTEM',
  0x26: 'CSIDL_PROGRAM_FILES',
  0x28: 'CSIDL_PROFILE',
  0x29: 'CSIDL_SYSTEMX86',
  0x2a: 'CSIDL_PROGRAM_FILESX86',
};

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stoq } from 'rxstoq';
import {
  buildLnk,
  consoleFeBlock,
  environmentBlock,
  fileItem,
  knownFolderBlock,
  type LnkSpec,
  rootItem,
  specialFolderBlock,
  trackerBlock,
  volumeItem,
} from './fixtures/lnk-builder.js';
import { lnkinfo, lnkinfoTime } from './fixtures/lnkinfo-output.js';
import type { LnkResult } from './lnk-result.js';

const DRIVE_TYPES = ['DRIVE_UNKNOWN', 'DRIVE_NO_ROOT_DIR', 'DRIVE_REMOVABLE', 'DRIVE_FIXED', 'DRIVE_REMOTE', 'DRIVE_CDROM', 'DRIVE_RAMDISK'];
const MY_COMPUTER = '20D04FE0-3AEA-1069-A2D8-08002B30309D';
/** A version-1 UUID whose node is the MAC address 08:00:27:6c:f0:e1. */
const FILE_DROID_V1 = '9c2b1a30-0e4f-11ee-8a1b-0800276cf0e1';

const SAMPLES: Record<string, LnkSpec> = {
  'unicode, local target, every string and block': {
    creation: 128930544001234567n,
    access: 130000000000000000n,
    write: 131000000000000009n,
    fileSize: 4242,
    iconIndex: 3,
    showCommand: 3,
    hotkey: 0x0646,
    attributes: 0x21,
    idList: [rootItem(MY_COMPUTER), volumeItem('C:\\'), fileItem('WINDOWS', 'Windows', true), fileItem('NOTEPAD.EXE', 'notepad.exe', false)],
    linkInfo: { local: { driveType: 3, serial: 0x1234abcd, label: 'SYSTEM', basePath: 'C:\\Windows\\notepad.exe' } },
    name: 'A note pad — ünïcode',
    relativePath: '..\\Windows\\notepad.exe',
    workingDir: 'C:\\Windows',
    arguments: '/p "x y.txt"',
    iconLocation: '%SystemRoot%\\notepad.exe',
    blocks: [
      environmentBlock('%windir%\\notepad.exe'),
      consoleFeBlock(1252),
      specialFolderBlock(0x24, 0x55),
      knownFolderBlock('F38BF404-1D43-42F2-9305-67DE0B28FC23', 0x55),
      trackerBlock('desktop-01', 'b1a2c3d4-1111-2222-3333-444455556666', FILE_DROID_V1),
    ],
  },
  'ANSI strings, network share, icon environment block': {
    unicode: false,
    creation: 133000000000000000n,
    linkInfo: { network: { netName: '\\\\server\\share', deviceName: 'Z:', providerType: 0x20000 }, suffix: 'dir\\Žlutý – €5.txt' },
    arguments: 'ansi ärgs “quoted”',
    workingDir: 'Z:\\dir',
    blocks: [environmentBlock('%USERPROFILE%\\x', 0xa0000007)],
  },
  'a mapped drive: local and network LinkInfo, a tracker with a random (v4) file droid': {
    write: 116444736000000000n + 10_000_000n * 86400n * 4n,
    linkInfo: {
      local: { driveType: 4, serial: 0xdeadbeef, label: '', basePath: 'Z:\\' },
      network: { netName: '\\\\FILES\\PUBLIC', deviceName: 'Z:' },
      suffix: 'reports\\q3.xlsx',
    },
    relativePath: '.\\q3.xlsx',
    blocks: [trackerBlock('laptop', '0b7f3c8e-1d2a-4b3c-9d8e-7f6a5b4c3d2e', '6f1e2d3c-4b5a-4c6d-8e7f-901a2b3c4d5e')],
  },
  'only a header': { attributes: 0x10, hotkey: 0x0371, showCommand: 7, iconIndex: -2 },
};

describe('lnk plugin', () => {
  let dir: string;
  let stoq: Stoq;
  const built: Record<string, Buffer> = {};

  const scan = async (content: Uint8Array) => {
    const response = await stoq.scan(content);
    return { response, lnk: response.results[0]!.workers['lnk'] as LnkResult | undefined };
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rxstoq-lnk-test-'));
    for (const [name, spec] of Object.entries(SAMPLES)) built[name] = buildLnk(spec);
    stoq = new Stoq({ alwaysDispatch: ['lnk'], logLevel: 'silent' });
  });

  afterAll(async () => {
    await stoq?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(Object.keys(SAMPLES))('prints what lnkinfo prints for a shortcut with %s', async (name) => {
    const file = join(dir, 'sample.lnk');
    writeFileSync(file, built[name]!);
    const ref = lnkinfo(file);
    const { response, lnk } = await scan(built[name]!);
    expect(response.errors).toEqual([]);
    const contains: Record<string, string> = {
      HasLinkTargetIDList: 'Contains a link target identifier',
      HasName: 'Contains a description string',
      HasRelativePath: 'Contains a relative path string',
      HasWorkingDir: 'Contains a working directory string',
      HasArguments: 'Contains a command line arguments string',
      HasIconLocation: 'Contains an icon location string',
      HasExpString: 'Contains an environment variables block',
      HasExpIcon: 'Contains an icon location block',
    };
    expect(lnk!.header.link_flags.flatMap((f) => contains[f] ?? [])).toEqual(ref.contains);
    const info = ref.sections['Link information']!;
    const h = lnk!.header;
    expect(lnkinfoTime(h.creation_time)).toBe(info['Creation time']);
    expect(lnkinfoTime(h.write_time)).toBe(info['Modification time']);
    expect(lnkinfoTime(h.access_time)).toBe(info['Access time']);
    expect(`${h.file_size} bytes`).toBe(info['File size']);
    expect(String(h.icon_index)).toBe(info['Icon index']);
    expect(`0x${h.file_attributes_value.toString(16).padStart(8, '0')}`).toBe(info['File attribute flags']);
    // lnkinfo 20181227 prints the file size as "Show Window value" and "Hot Key value" (a bug), so those two are checked below against the bytes written.

    const li = lnk!.link_info;
    if (li) {
      const drive = li.drive_type ? DRIVE_TYPES.indexOf(li.drive_type) : 0;
      expect(info['Drive type']).toMatch(new RegExp(`\\(${drive}\\)$`));
      expect(li.drive_serial_number ?? '0x00000000').toBe(info['Drive serial number']);
      expect(li.volume_label ?? undefined).toBe(info['Volume label']);
    } else expect(info['Drive type']).toBeUndefined();
    if (li?.local_base_path) expect(lnk!.target_path).toBe(info['Local path']);
    if (li?.net_name) expect(`${li.net_name}\\${li.common_path_suffix}`).toBe(info['Network path']);
    expect(lnk!.name ?? undefined).toBe(info['Description']);
    expect(lnk!.relative_path ?? undefined).toBe(info['Relative path']);
    expect(lnk!.working_directory ?? undefined).toBe(info['Working directory']);
    expect(lnk!.arguments ?? undefined).toBe(info['Command line arguments']);
    expect(lnk!.icon_environment ?? lnk!.icon_location ?? undefined).toBe(info['Icon location']);
    expect(lnk!.environment ?? undefined).toBe(info['Environment variables location']);

    const tracking = ref.sections['Distributed link tracking data'];
    if (tracking) {
      expect(lnk!.tracker).toEqual({
        machine_id: tracking['Machine identifier'],
        droid_volume_id: tracking['Droid volume identifier'],
        droid_file_id: tracking['Droid file identifier'],
        birth_droid_volume_id: tracking['Birth droid volume identifier'],
        birth_droid_file_id: tracking['Birth droid file identifier'],
        mac_address: lnk!.tracker!.mac_address,
      });
    } else expect(lnk!.tracker).toBeNull();

    expect(lnk!.target_id_list?.length ?? 0).toBe(ref.shellItems.length);
    for (const [i, item] of ref.shellItems.entries()) {
      const ours = lnk!.target_id_list![i]!;
      if (item['Class type indicator']) expect(`0x${ours.class_type.toString(16)}`).toBe(item['Class type indicator'].split(' ')[0]);
      if (item['Item type'] === 'Volume') expect(ours).toMatchObject({ kind: 'volume', name: item['Volume name'] ?? null });
      if (item['Shell folder identifier'])
        expect(ours).toMatchObject({ kind: 'root', clsid: item['Shell folder identifier'], name: item['Shell folder name'] });
      if (item['Item type'] === 'File entry') expect(ours.name).toBe(item['Name']);
    }
  });

  it('decodes what lnkinfo does not print: show command, hotkey, long names, MAC, folder and console blocks', async () => {
    const full = (await scan(built['unicode, local target, every string and block']!)).lnk!;
    expect(full.header).toMatchObject({
      show_command: 'SW_SHOWMAXIMIZED',
      show_command_value: 3,
      hotkey: 'CTRL+ALT+F',
      hotkey_value: 0x0646,
      file_attributes: ['FILE_ATTRIBUTE_READONLY', 'FILE_ATTRIBUTE_ARCHIVE'],
      creation_time: '2009-07-26T04:00:00.1234567Z',
    });
    expect(full.header.link_flags).toEqual([
      'HasLinkTargetIDList',
      'HasLinkInfo',
      'HasName',
      'HasRelativePath',
      'HasWorkingDir',
      'HasArguments',
      'HasIconLocation',
      'IsUnicode',
    ]);
    expect(full.target_id_list!.map((i) => [i.kind, i.name, i.long_name])).toEqual([
      ['root', 'My Computer', undefined],
      ['volume', 'C:\\', undefined],
      ['directory', 'WINDOWS', 'Windows'],
      ['file', 'NOTEPAD.EXE', 'notepad.exe'],
    ]);
    expect(full.target_path).toBe('C:\\Windows\\notepad.exe');
    expect(full.tracker!.mac_address).toBe('08:00:27:6c:f0:e1');
    expect(full.known_folder).toEqual({ id: 'f38bf404-1d43-42f2-9305-67de0b28fc23', name: 'Windows', offset: 0x55 });
    expect(full.special_folder).toEqual({ id: 0x24, name: 'CSIDL_WINDOWS', offset: 0x55 });
    expect(full.console_code_page).toBe(1252);
    expect(full.extra_data.map((b) => b.name)).toEqual([
      'EnvironmentVariableDataBlock',
      'ConsoleFEDataBlock',
      'SpecialFolderDataBlock',
      'KnownFolderDataBlock',
      'TrackerDataBlock',
    ]);

    const mapped = (await scan(built['a mapped drive: local and network LinkInfo, a tracker with a random (v4) file droid']!)).lnk!;
    expect(mapped.tracker!.mac_address).toBeNull();
    expect(mapped.link_info).toMatchObject({ drive_type: 'DRIVE_REMOTE', net_name: '\\\\FILES\\PUBLIC', device_name: 'Z:', network_provider_type: null });
    expect(mapped.target_path).toBe('Z:\\reports\\q3.xlsx');
    expect(mapped.header.write_time).toBe('1970-01-05T00:00:00.0000000Z');

    const network = (await scan(built['ANSI strings, network share, icon environment block']!)).lnk!;
    expect(network.link_info!.network_provider_type).toBe('WNNC_NET_LANMAN');
    expect(network.target_path).toBe('\\\\server\\share\\dir\\Žlutý – €5.txt');

    const bare = (await scan(built['only a header']!)).lnk!;
    expect(bare.header).toMatchObject({ show_command: 'SW_SHOWMINNOACTIVE', hotkey: 'CTRL+SHIFT+F2', icon_index: -2 });
    expect(bare).toMatchObject({ target_id_list: null, link_info: null, target_path: null, extra_data: [], tracker: null });
  });

  describe('bad input', () => {
    const full = () => Buffer.from(built['unicode, local target, every string and block']!);
    const errorsOf = (r: Awaited<ReturnType<typeof scan>>) => r.response.errors.map((e) => `${e.plugin_name}: ${e.error}`);

    it('refuses what is not a shortcut, or whose header is cut short, naming the plugin', async () => {
      for (const [bytes, message] of [
        [Buffer.from('MZ this is not a shortcut at all'), /not a Windows shortcut \(no header size 0x4C followed by the LinkCLSID/],
        [full().subarray(0, 40), /truncated shortcut: 40 bytes, the ShellLinkHeader alone needs 76/],
      ] as const) {
        const r = await scan(bytes);
        expect(r.lnk).toBeUndefined();
        expect(errorsOf(r)).toEqual([expect.stringMatching(/^lnk: /)]);
        expect(errorsOf(r)[0]).toMatch(message);
      }
    });

    it('keeps the header and what precedes the cut at every truncation length, with an error', async () => {
      const bytes = full();
      for (let keep = 76; keep < bytes.length; keep += 7) {
        const r = await scan(bytes.subarray(0, keep));
        expect(r.lnk!.header.hotkey, `cut at ${keep}`).toBe('CTRL+ALT+F');
        expect(errorsOf(r).length, `cut at ${keep}`).toBeGreaterThan(0);
        expect(
          errorsOf(r).every((e) => e.startsWith('lnk: malformed LNK: ')),
          errorsOf(r).join('\n'),
        ).toBe(true);
      }
      const cut = await scan(bytes.subarray(0, bytes.length - 20));
      expect(cut.lnk!.arguments).toBe('/p "x y.txt"');
      expect(cut.lnk!.environment).toBe('%windir%\\notepad.exe');
      expect(cut.lnk!.tracker).toBeNull();
      expect(errorsOf(cut)).toEqual([expect.stringMatching(/extra data block at offset \d+ claims 96 bytes, which do not fit in the file/)]);
    });

    it('reports absurd sizes and counts instead of following them', async () => {
      const idList = buildLnk({ idList: [volumeItem('C:\\')], arguments: 'x' });
      idList.writeUInt16LE(0xffff, 76);
      const r1 = await scan(idList);
      expect(r1.lnk!.target_id_list!.map((i) => i.name)).toEqual(['C:\\']);
      expect(errorsOf(r1)).toContainEqual(expect.stringMatching(/LinkTargetIDList \(65535 bytes at offset 78\) runs past the end of the file/));

      const item = buildLnk({ idList: [volumeItem('C:\\'), volumeItem('D:\\')] });
      item.writeUInt16LE(1, 78 + 25);
      expect(errorsOf(await scan(item))).toContainEqual(expect.stringMatching(/shell item 2 at offset 103 claims 1 bytes, which do not fit/));

      const info = buildLnk({ linkInfo: { local: { driveType: 3, serial: 1, label: 'L', basePath: 'C:\\x' } }, name: 'n' });
      info.writeUInt32LE(0xffffffff, 76);
      const r3 = await scan(info);
      expect(r3.lnk!.link_info!.local_base_path).toBe('C:\\x');
      expect(r3.lnk!.name).toBeNull();
      expect(errorsOf(r3)).toContainEqual(expect.stringMatching(/LinkInfo \(4294967295 bytes at offset 76\) runs past the end of the file/));

      const str = buildLnk({ name: 'short' });
      str.writeUInt16LE(0xffff, 76);
      expect(errorsOf(await scan(str))).toEqual([
        expect.stringMatching(/NAME_STRING: NAME_STRING at offset 78 \(131070 bytes\) runs past the end of the file/),
        'lnk: malformed LNK: the structures after the damaged one cannot be located: not read',
      ]);

      const block = buildLnk({ blocks: [consoleFeBlock(437), consoleFeBlock(850)] });
      block.writeUInt32LE(0xfffffff0, 76 + 12);
      const r5 = await scan(block);
      expect(r5.lnk!.console_code_page).toBe(437);
      expect(errorsOf(r5)).toEqual([expect.stringMatching(/extra data block at offset 88 claims 4294967280 bytes/)]);

      // A block size below 4 is the terminal block: what follows is not read, and that is no error.
      const zero = buildLnk({ blocks: [consoleFeBlock(437), consoleFeBlock(850)] });
      zero.writeUInt32LE(0, 76 + 12);
      const r6 = await scan(zero);
      expect(r6.response.errors).toEqual([]);
      expect(r6.lnk!.extra_data).toHaveLength(1);

      const small = buildLnk({ blocks: [Buffer.from([6, 0, 0, 0, 1, 0])] });
      expect(errorsOf(await scan(small))).toEqual([expect.stringMatching(/extra data block at offset 76 claims 6 bytes/)]);
    });

    it('stops at max_blocks and max_id_items', async () => {
      const many = buildLnk({ idList: Array.from({ length: 20 }, () => volumeItem('C:\\')), blocks: Array.from({ length: 100 }, () => consoleFeBlock(437)) });
      const limited = new Stoq({ alwaysDispatch: ['lnk'], logLevel: 'silent', pluginOpts: { lnk: { max_blocks: 10, max_id_items: 5 } } });
      try {
        const r = await limited.scan(many);
        const lnk = r.results[0]!.workers['lnk'] as LnkResult;
        expect(lnk.target_id_list).toHaveLength(5);
        expect(lnk.extra_data).toHaveLength(10);
        expect(r.errors.map((e) => e.error)).toEqual([
          'malformed LNK: LinkTargetIDList has more than 5 items; the rest are not read (limit)',
          'malformed LNK: more than 10 extra data blocks; the rest are not read (limit)',
        ]);
      } finally {
        await limited.close();
      }
    });

    it('survives hundreds of corrupted copies, each answered with results or errors', async () => {
      let seed = 14;
      const random = () => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed;
      };
      for (let i = 0; i < 300; i++) {
        const copy = full();
        for (let k = 0; k < 6; k++) copy[20 + (random() % (copy.length - 20))] = random() & 0xff;
        const r = await scan(copy);
        expect(r.lnk ?? r.response.errors.length).toBeTruthy();
      }
    });
  });

  it('is where the yara dispatcher sends shortcuts', async () => {
    const routed = new Stoq({ dispatchers: ['yara'], logLevel: 'silent' });
    try {
      const r = await routed.scan(built['ANSI strings, network share, icon environment block']!);
      expect(r.results[0]!.plugins_run.workers).toContain('lnk');
      expect((r.results[0]!.workers['lnk'] as LnkResult).arguments).toBe('ansi ärgs “quoted”');
      const notLnk = Buffer.from(built['only a header']!);
      notLnk[19] = 0x47; // one byte of the CLSID off
      expect((await routed.scan(notLnk)).results[0]!.plugins_run.workers).not.toContain('lnk');
    } finally {
      await routed.close();
    }
  });
});

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeJpeg, makePeHeader, pseudoRandom, sevenZip, xorWith } from './samples.js';
import { htmlFuzzSeed } from '../../plugins/html/fixtures/pages.js';
import { sampleMsg } from '../../plugins/msg/fixtures/msg-builder.js';
import { oleFuzzSeed } from '../../plugins/ole/fixtures/ole-samples.js';
import { ooxmlFuzzSeed } from '../../plugins/ooxml/fixtures/ooxml-builder.js';
import { rtfFuzzSeed } from '../../plugins/rtf/fixtures/rtf-builder.js';
import { buildSampleEml } from '../../plugins/smtp/fixtures/eml-builder.js';
import { buildTnef } from '../../plugins/smtp/fixtures/tnef-builder.js';
import { fuzzSeed as vbaFuzzSeed } from '../../plugins/vba/fixtures/samples.js';

const DOS_STUB = 'This program cannot be run in DOS mode';

/**
 * One file of every kind the bundled YARA rules care about, written into `dir`. Archives come from
 * real tools (7-Zip, gcab, xorriso); RAR, which no free tool writes, and a few image/document
 * headers are built by hand, which is all the magic-number rules look at.
 * Returns file name → the dispatch plugins expected for it.
 */
export function writeSampleSet(dir: string): Record<string, string[]> {
  const expected: Record<string, string[]> = {};
  const put = (name: string, data: Uint8Array | string, plugins: string[]) => {
    writeFileSync(join(dir, name), data);
    expected[name] = plugins;
  };
  const work = join(dir, '.work');
  mkdirSync(join(work, 'office', 'word'), { recursive: true });
  writeFileSync(join(work, 'hello.txt'), 'hello from a sample archive\nvisit https://example.com/path\n');
  for (const [name, type] of [
    ['sample.zip', 'zip'],
    ['sample.7z', '7z'],
    ['sample.tar', 'tar'],
  ] as const) {
    sevenZip(['a', `-t${type}`, join(dir, name), 'hello.txt'], work);
    expected[name] = ['decompress'];
  }
  for (const [name, type] of [
    ['sample.txt.gz', 'gzip'],
    ['sample.txt.bz2', 'bzip2'],
    ['sample.txt.xz', 'xz'],
  ] as const) {
    sevenZip(['a', `-t${type}`, join(dir, name), 'hello.txt'], work);
    expected[name] = ['decompress'];
  }
  writeFileSync(join(work, 'office', '[Content_Types].xml'), '<?xml version="1.0"?><Types/>');
  writeFileSync(join(work, 'office', 'word', 'document.xml'), '<w:document/>');
  writeFileSync(join(work, 'office', 'word', 'vbaProject.bin'), pseudoRandom(256));
  sevenZip(['a', '-tzip', join(dir, 'macro.docm'), '.'], join(work, 'office'));
  expected['macro.docm'] = ['decompress', 'exif', 'ooxml'];

  // No free tool writes RAR: a RAR 5 signature is all the magic-number rule looks at.
  put('sample.rar', Buffer.concat([Buffer.from('Rar!\x1a\x07\x01\x00', 'latin1'), pseudoRandom(64)]), ['decompress']);
  execFileSync('gcab', ['-c', join(dir, 'sample.cab'), 'hello.txt'], { cwd: work });
  expected['sample.cab'] = ['decompress'];
  execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-R', '-J', '-o', join(dir, 'sample.iso'), join(work, 'hello.txt')], { stdio: 'ignore' });
  expected['sample.iso'] = ['decompress'];

  put('image.jpg', makeJpeg(), ['exif']);
  put('image.png', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pseudoRandom(32)]), ['exif']);
  put('image.gif', Buffer.concat([Buffer.from('GIF89a', 'latin1'), pseudoRandom(32)]), ['exif']);
  put('image.tif', Buffer.concat([Buffer.from([0x49, 0x49, 0x2a, 0x00]), pseudoRandom(32)]), ['exif']);
  put('doc.pdf', '%PDF-1.7\n1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\nendobj\n%%EOF\n', ['exif', 'pdf']);
  put('late-header.pdf', Buffer.concat([pseudoRandom(700, 3), Buffer.from('%PDF-1.4\n%%EOF\n')]), ['exif', 'pdf']);
  const ole = Buffer.alloc(1024);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(ole);
  ole.write('_VBA_PROJECT', 512, 'utf16le');
  put('legacy.doc', ole, ['exif', 'ole', 'vba']);
  put('built.doc', oleFuzzSeed(), ['exif', 'ole', 'vba']);
  put('vbaProject.bin', vbaFuzzSeed(), ['exif', 'ole', 'vba']);
  put('message.msg', sampleMsg(), ['msg']);
  put('document.docx', ooxmlFuzzSeed(), ['decompress', 'exif', 'ooxml']);
  put('document.rtf', rtfFuzzSeed(), ['rtf']);
  put('page.html', htmlFuzzSeed(), ['html']);
  put('bom-doctype.html', '\ufeff<!DOCTYPE HTML>\n<title>x</title>', ['html']);
  put('message.eml', buildSampleEml(), ['smtp']);
  put('mbox.eml', 'From someone@example.org Mon Dec  1 05:00:00 2026\nSubject: hi\n\nbody\n', ['smtp']);
  put('winmail.dat', buildTnef([{ title: 'A.TXT', longName: 'a.txt', mimeTag: 'text/plain', data: Buffer.from('attached') }]), ['smtp']);

  put(
    'encoded.b64',
    pseudoRandom(300)
      .toString('base64')
      .replace(/(.{76})/g, '$1\n'),
    ['b64decode'],
  );
  const pe = makePeHeader();
  put('program.exe', pe, []);
  put('program.xored', xorWith(pe, [0x5a]), ['xordecode']);
  put('carrier.bin', Buffer.concat([pseudoRandom(100), pe]), ['pecarve']);
  put('elf.bin', Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), pseudoRandom(64)]), ['elf']);
  put('shortcut.lnk', Buffer.concat([Buffer.from('4c0000000114020000000000c000000000000046', 'hex'), Buffer.alloc(60)]), ['lnk']);
  put('macho.bin', Buffer.concat([Buffer.from([0xcf, 0xfa, 0xed, 0xfe]), pseudoRandom(64)]), []);
  put('notes.txt', `plain text, ${DOS_STUB} appears here unencoded\n`, []);
  put('random.bin', pseudoRandom(4096, 7), []);
  return expected;
}

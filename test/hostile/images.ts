import { deflateSync } from 'node:zlib';
import { pdfDocument, png as formatPng, u16be } from '../support/formats.js';
import { makeJpeg, makePeHeader } from '../support/samples.js';

/** Seed files for the corpus and the fuzzer, built from scratch. */

/** A little-endian TIFF structure with one IFD of ASCII and SHORT tags (EXIF's container). */
export function tiffIfd(tags: Array<{ tag: number; ascii?: string; short?: number }>, nextIfd = 0): Buffer {
  const count = tags.length;
  const headerAndIfd = 8 + 2 + count * 12 + 4;
  const values: Buffer[] = [];
  let valueOffset = headerAndIfd;
  const ifd = Buffer.alloc(2 + count * 12 + 4);
  ifd.writeUInt16LE(count, 0);
  tags.forEach((t, i) => {
    const at = 2 + i * 12;
    ifd.writeUInt16LE(t.tag, at);
    if (t.ascii !== undefined) {
      const text = Buffer.from(`${t.ascii}\0`, 'latin1');
      ifd.writeUInt16LE(2, at + 2);
      ifd.writeUInt32LE(text.byteLength, at + 4);
      if (text.byteLength <= 4) text.copy(ifd, at + 8);
      else {
        ifd.writeUInt32LE(valueOffset, at + 8);
        values.push(text);
        valueOffset += text.byteLength;
      }
    } else {
      ifd.writeUInt16LE(3, at + 2);
      ifd.writeUInt32LE(1, at + 4);
      ifd.writeUInt16LE(t.short ?? 0, at + 8);
    }
  });
  ifd.writeUInt32LE(nextIfd, 2 + count * 12);
  return Buffer.concat([Buffer.from('II*\0'), Buffer.from([8, 0, 0, 0]), ifd, ...values]);
}

/** The sample JPEG with an EXIF APP1 segment (Make, Model, Orientation) after SOI. */
export function jpegWithExif(
  tiff = tiffIfd([
    { tag: 0x010f, ascii: 'rxstoq' },
    { tag: 0x0110, ascii: 'Hostile Cam' },
    { tag: 0x0112, short: 6 },
  ]),
): Buffer {
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const app1 = Buffer.concat([Buffer.from([0xff, 0xe1]), u16be(body.byteLength + 2), body]);
  const jpeg = makeJpeg();
  return Buffer.concat([jpeg.subarray(0, 2), app1, jpeg.subarray(2)]);
}

/** A small PNG with a tEXt chunk. */
export function png(width = 16, height = 8): Buffer {
  return formatPng(width, height, { Author: 'rxstoq hostile corpus' });
}

/** A one-page PDF with an Info dictionary and a deflated content stream, with a correct xref. */
export function pdf(objects?: string[]): Buffer {
  const content = deflateSync(Buffer.from('BT /F1 12 Tf 20 100 Td (hostile corpus) Tj ET'));
  const objs = objects ?? [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>',
    `<< /Length ${content.byteLength} /Filter /FlateDecode >>\nstream\n${content.toString('latin1')}\nendstream`,
    '<< /Title (rxstoq hostile corpus) /Author (rxstoq) >>',
  ];
  return pdfDocument(objs, 5);
}

export { makeJpeg, makePeHeader };

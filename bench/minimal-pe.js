/**
 * A minimal but well-formed PE32+ executable (DOS header, NT headers, `sections` sections of
 * `body` bytes each). The analysers corpus uses it only when MinGW-w64 is not installed, so the
 * PE plugins still have something of their format to parse; it has no imports or resources, so
 * it costs them less than a real program.
 */
export function minimalPe(sections, body) {
  const FILE_ALIGN = 0x200;
  const SECTION_ALIGN = 0x1000;
  const rawSize = Math.ceil(Math.max(body.length, 1) / FILE_ALIGN) * FILE_ALIGN;
  const headers = FILE_ALIGN;
  const out = Buffer.alloc(headers + sections * rawSize);
  out.write('MZ', 0, 'latin1');
  out.writeUInt32LE(0x40, 0x3c);
  out.write('PE\0\0', 0x40, 'latin1');
  const coff = 0x44;
  out.writeUInt16LE(0x8664, coff); // AMD64
  out.writeUInt16LE(sections, coff + 2);
  out.writeUInt16LE(240, coff + 16); // SizeOfOptionalHeader (PE32+)
  out.writeUInt16LE(0x22, coff + 18); // executable, large address aware
  const opt = coff + 20;
  out.writeUInt16LE(0x20b, opt);
  out.writeUInt32LE(rawSize, opt + 4); // SizeOfCode
  out.writeUInt32LE(SECTION_ALIGN, opt + 16); // AddressOfEntryPoint
  out.writeUInt32LE(SECTION_ALIGN, opt + 20); // BaseOfCode
  out.writeBigUInt64LE(0x140000000n, opt + 24);
  out.writeUInt32LE(SECTION_ALIGN, opt + 32);
  out.writeUInt32LE(FILE_ALIGN, opt + 36);
  out.writeUInt16LE(6, opt + 40); // OS version
  out.writeUInt16LE(6, opt + 48); // subsystem version
  out.writeUInt32LE(SECTION_ALIGN * (1 + sections * Math.ceil(rawSize / SECTION_ALIGN)), opt + 56); // SizeOfImage
  out.writeUInt32LE(headers, opt + 60);
  out.writeUInt16LE(3, opt + 68); // console
  out.writeBigUInt64LE(0x100000n, opt + 72);
  out.writeBigUInt64LE(0x1000n, opt + 80);
  out.writeBigUInt64LE(0x100000n, opt + 88);
  out.writeBigUInt64LE(0x1000n, opt + 96);
  out.writeUInt32LE(16, opt + 108); // NumberOfRvaAndSizes
  for (let i = 0; i < sections; i++) {
    const sh = opt + 240 + 40 * i;
    out.write(i === 0 ? '.text' : `.d${i}`, sh, 'latin1');
    out.writeUInt32LE(body.length, sh + 8);
    out.writeUInt32LE(SECTION_ALIGN * (1 + i * Math.ceil(rawSize / SECTION_ALIGN)), sh + 12);
    out.writeUInt32LE(rawSize, sh + 16);
    out.writeUInt32LE(headers + i * rawSize, sh + 20);
    out.writeUInt32LE(i === 0 ? 0x60000020 : 0x40000040, sh + 36);
    body.copy(out, headers + i * rawSize);
  }
  out[headers] = 0xc3; // ret
  return out;
}

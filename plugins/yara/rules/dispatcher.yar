/*
    rxstoq default dispatcher rules.

    The `plugin` meta of a matching rule names the workers (comma-separated) that should scan the
    payload. Only workers bundled with rxstoq are named, so a default install never asks for a
    plugin it does not have. Conditions look at fixed offsets (magic numbers) wherever they can:
    these rules run on every payload, so they must not add slow string searches.

    Every rule compiles under both YARA-X and libyara 4.x.
*/

// ---------------------------------------------------------------- archives -> decompress

rule archive_zip : archive
{
    meta:
        description = "ZIP archive (local file header or empty central directory at offset 0)"
        plugin = "decompress"
    condition:
        uint32(0) == 0x04034B50 or uint32(0) == 0x06054B50
}

rule archive_7z : archive
{
    meta:
        description = "7-Zip archive"
        plugin = "decompress"
    condition:
        uint32be(0) == 0x377ABCAF and uint16be(4) == 0x271C
}

rule archive_rar : archive
{
    meta:
        description = "RAR archive (v4 and v5)"
        plugin = "decompress"
    condition:
        uint32be(0) == 0x52617221 and uint16be(4) == 0x1A07
}

rule archive_gzip : archive
{
    meta:
        description = "gzip stream (deflate)"
        plugin = "decompress"
    condition:
        uint16be(0) == 0x1F8B and uint8(2) == 0x08
}

rule archive_bzip2 : archive
{
    meta:
        description = "bzip2 stream (first block or end-of-stream marker after the header)"
        plugin = "decompress"
    strings:
        $block = { 42 5A 68 3? 31 41 59 26 53 59 }
        $empty = { 42 5A 68 3? 17 72 45 38 50 90 }
    condition:
        $block at 0 or $empty at 0
}

rule archive_xz : archive
{
    meta:
        description = "xz stream"
        plugin = "decompress"
    condition:
        uint32be(0) == 0xFD377A58 and uint16be(4) == 0x5A00
}

rule archive_tar : archive
{
    meta:
        description = "POSIX / GNU tar archive (ustar magic in the first header)"
        plugin = "decompress"
    condition:
        uint32be(257) == 0x75737461 and uint8(261) == 0x72
}

rule archive_cab : archive
{
    meta:
        description = "Microsoft Cabinet archive"
        plugin = "decompress"
    condition:
        uint32be(0) == 0x4D534346 and uint32(4) == 0
}

rule archive_iso9660 : archive
{
    meta:
        description = "ISO 9660 image (volume descriptor CD001 in one of the first three sectors)"
        plugin = "decompress"
    strings:
        $cd001 = "CD001"
    condition:
        $cd001 at 0x8001 or $cd001 at 0x8801 or $cd001 at 0x9001
}

// ---------------------------------------------------------------- encodings

rule encoding_base64_blob : encoding
{
    meta:
        description = "The whole payload is base64 text (at least 64 characters, line breaks allowed)"
        plugin = "b64decode"
    condition:
        filesize >= 64 and filesize <= 20MB and
        // A cheap check of the head first: most payloads fail on their first byte.
        for all i in (0..63) : (
            (uint8(i) >= 0x41 and uint8(i) <= 0x5A) or (uint8(i) >= 0x61 and uint8(i) <= 0x7A) or
            (uint8(i) >= 0x30 and uint8(i) <= 0x39) or uint8(i) == 0x2B or uint8(i) == 0x2F
        ) and
        for all i in (64..filesize - 1) : (
            (uint8(i) >= 0x41 and uint8(i) <= 0x5A) or (uint8(i) >= 0x61 and uint8(i) <= 0x7A) or
            (uint8(i) >= 0x30 and uint8(i) <= 0x39) or uint8(i) == 0x2B or uint8(i) == 0x2F or
            uint8(i) == 0x3D or uint8(i) == 0x0A or uint8(i) == 0x0D
        )
}

rule encoding_xor_dos_stub : encoding
{
    meta:
        description = "A PE DOS stub XOR-encoded with a single-byte key; the yara dispatcher recovers the key"
        plugin = "xordecode"
        xor_plaintext_for_string_dos_stub = "This program cannot be run in DOS mode"
    strings:
        $dos_stub = "This program cannot be run in DOS mode" xor(1-255)
    condition:
        $dos_stub
}

// ---------------------------------------------------------------- metadata -> exif

rule media_jpeg : image
{
    meta:
        description = "JPEG image"
        plugin = "exif"
    condition:
        uint16be(0) == 0xFFD8 and uint8(2) == 0xFF
}

rule media_png : image
{
    meta:
        description = "PNG image"
        plugin = "exif"
    condition:
        uint32be(0) == 0x89504E47 and uint32be(4) == 0x0D0A1A0A
}

rule media_gif : image
{
    meta:
        description = "GIF image (87a or 89a)"
        plugin = "exif"
    condition:
        uint32be(0) == 0x47494638 and (uint16be(4) == 0x3761 or uint16be(4) == 0x3961)
}

rule media_tiff : image
{
    meta:
        description = "TIFF image (little- or big-endian)"
        plugin = "exif"
    condition:
        uint32be(0) == 0x49492A00 or uint32be(0) == 0x4D4D002A
}

rule document_pdf : document
{
    meta:
        description = "PDF document (header within the first KiB, as readers accept)"
        plugin = "exif"
    strings:
        $header = "%PDF-"
    condition:
        $header in (0..1024)
}

rule document_ole : document
{
    meta:
        description = "OLE2 compound file (legacy Office documents, MSI)"
        plugin = "exif"
    condition:
        uint32be(0) == 0xD0CF11E0 and uint32be(4) == 0xA1B11AE1
}

rule document_ooxml : document
{
    meta:
        description = "Office Open XML package (a ZIP holding [Content_Types].xml)"
        plugin = "exif"
    strings:
        $content_types = "[Content_Types].xml"
    condition:
        uint32(0) == 0x04034B50 and $content_types
}

// ---------------------------------------------------------------- certificates -> x509

rule certificate_pem : certificate
{
    meta:
        description = "PEM certificate or PKCS#7 bundle (BEGIN CERTIFICATE, TRUSTED CERTIFICATE or PKCS7 armour)"
        plugin = "x509"
    strings:
        $certificate = "-----BEGIN CERTIFICATE-----"
        $trusted = "-----BEGIN TRUSTED CERTIFICATE-----"
        $pkcs7 = "-----BEGIN PKCS7-----"
    condition:
        any of them
}

rule certificate_der : certificate
{
    meta:
        description = "DER X.509 v2/v3 certificate: SEQUENCE { SEQUENCE { [0] { INTEGER 1|2 }, INTEGER serial, ... } } with 2- or 3-byte lengths that fit the file"
        plugin = "x509"
    condition:
        (uint16be(0) == 0x3082 and uint16be(2) + 4 <= filesize and
         uint16be(4) == 0x3082 and uint16be(6) + 8 <= uint16be(2) + 4 and
         uint32be(8) == 0xA0030201 and (uint8(12) == 1 or uint8(12) == 2) and uint8(13) == 0x02)
        or
        (uint16be(0) == 0x3083 and ((uint8(2) << 16) | uint16be(3)) + 5 <= filesize and
         uint16be(5) == 0x3083 and ((uint8(7) << 16) | uint16be(8)) + 10 <= ((uint8(2) << 16) | uint16be(3)) + 5 and
         uint32be(10) == 0xA0030201 and (uint8(14) == 1 or uint8(14) == 2) and uint8(15) == 0x02)
}

rule certificate_pkcs7_der : certificate
{
    meta:
        description = "DER PKCS#7 ContentInfo holding SignedData (an Authenticode signature, openssl crl2pkcs7 -outform DER)"
        plugin = "x509"
    condition:
        (uint16be(0) == 0x3082 and uint16be(2) + 4 <= filesize and
         uint16be(4) == 0x0609 and uint32be(6) == 0x2A864886 and uint32be(10) == 0xF70D0107 and uint8(14) == 0x02)
        or
        (uint16be(0) == 0x3083 and ((uint8(2) << 16) | uint16be(3)) + 5 <= filesize and
         uint16be(5) == 0x0609 and uint32be(7) == 0x2A864886 and uint32be(11) == 0xF70D0107 and uint8(15) == 0x02)
}

// ---------------------------------------------------------------- executables and shortcuts

rule executable_elf : executable
{
    meta:
        description = "ELF executable, shared object, object file or core dump (\\x7fELF)"
        plugin = "elf"
    condition:
        uint32be(0) == 0x7F454C46
}

rule shortcut_lnk : shortcut
{
    meta:
        description = "Windows shortcut (MS-SHLLINK): header size 0x4C, then the LinkCLSID 00021401-0000-0000-C000-000000000046"
        plugin = "lnk"
    condition:
        uint32(0) == 0x0000004C and uint32be(4) == 0x01140200 and uint32(8) == 0 and
        uint32be(12) == 0xC0000000 and uint32be(16) == 0x00000046
}

// ---------------------------------------------------------------- executables -> peinfo, pecarve

rule executable_pe : executable
{
    meta:
        description = "PE executable: MZ header whose e_lfanew points at a PE\\0\\0 signature and a PE32 or PE32+ optional header"
        plugin = "peinfo"
    condition:
        uint16(0) == 0x5A4D and uint32(uint32(0x3C)) == 0x00004550 and
        (uint16(uint32(0x3C) + 24) == 0x010B or uint16(uint32(0x3C) + 24) == 0x020B)
}

rule executable_pe_embedded : executable
{
    meta:
        description = "A DOS header (MZ, then the stub message at +0x4E) past offset 0: a PE embedded in the payload"
        plugin = "pecarve"
    strings:
        $dos_stub = "This program cannot be run in DOS mode"
    condition:
        for any i in (1..#dos_stub) : (@dos_stub[i] > 0x4E and uint16(@dos_stub[i] - 0x4E) == 0x5A4D)
}

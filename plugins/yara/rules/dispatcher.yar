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
        description = "PDF document (%PDF- at offset 0, or later in the first KiB after junk, as readers accept)"
        plugin = "exif,pdf"
    condition:
        // Fixed-offset reads, not a string: a string would be searched through the whole payload.
        (uint32(0) == 0x46445025 and uint8(4) == 0x2D) or
        for any i in (1..1019) : (uint32(i) == 0x46445025 and uint8(i + 4) == 0x2D)
}

rule email_msg : email
{
    meta:
        description = "Outlook .msg (MS-OXMSG): OLE2 file whose root storage has CLSID_MailMessage, or whose first directory sector names a __substg1.0_, __properties_version1.0, __nameid_version1.0, __recip_version1.0_ or __attach_version1.0_ entry"
        plugin = "msg"
    condition:
        uint32be(0) == 0xD0CF11E0 and uint32be(4) == 0xA1B11AE1 and
        (uint16(0x1E) == 9 or uint16(0x1E) == 12) and
        (
            (uint32(((uint32(0x30) + 1) << uint16(0x1E)) + 80) == 0x00020D0B and
             uint32(((uint32(0x30) + 1) << uint16(0x1E)) + 84) == 0 and
             uint32be(((uint32(0x30) + 1) << uint16(0x1E)) + 88) == 0xC0000000 and
             uint32be(((uint32(0x30) + 1) << uint16(0x1E)) + 92) == 0x00000046) or
            for any i in (1 .. ((1 << uint16(0x1E)) >> 7) - 1) : (
                uint32(((uint32(0x30) + 1) << uint16(0x1E)) + i * 128) == 0x005F005F and
                (uint32(((uint32(0x30) + 1) << uint16(0x1E)) + i * 128 + 4) == 0x00750073 or
                 uint32(((uint32(0x30) + 1) << uint16(0x1E)) + i * 128 + 4) == 0x00720070 or
                 uint32(((uint32(0x30) + 1) << uint16(0x1E)) + i * 128 + 4) == 0x0061006E or
                 uint32(((uint32(0x30) + 1) << uint16(0x1E)) + i * 128 + 4) == 0x00650072 or
                 uint32(((uint32(0x30) + 1) << uint16(0x1E)) + i * 128 + 4) == 0x00740061))
        )
}

rule document_ole : document
{
    meta:
        description = "OLE2 compound file (doc, xls, ppt, a bare vbaProject.bin, encrypted OOXML, MSI), not an Outlook message: streams, properties and VBA macros"
        plugin = "exif,ole,vba"
    condition:
        uint32be(0) == 0xD0CF11E0 and uint32be(4) == 0xA1B11AE1 and not email_msg
}

rule document_ooxml : document
{
    meta:
        description = "Office Open XML package: a ZIP whose first member is [Content_Types].xml (Office, xlsxwriter) or _rels/.rels (LibreOffice), its name at offset 30; decompress (archive_zip) extracts the members"
        plugin = "exif,ooxml"
    condition:
        uint32(0) == 0x04034B50 and
        (
            (uint16(26) == 19 and uint32be(30) == 0x5B436F6E and uint32be(34) == 0x74656E74 and
             uint32be(38) == 0x5F547970 and uint32be(42) == 0x65735D2E and uint16be(46) == 0x786D and uint8(48) == 0x6C)
            or
            (uint16(26) == 11 and uint32be(30) == 0x5F72656C and uint32be(34) == 0x732F2E72 and
             uint16be(38) == 0x656C and uint8(40) == 0x73)
        )
}

rule document_rtf : document
{
    meta:
        description = "RTF document: the bytes 7B 5C 72 74 at offset 0 (Word and rtfobj open it even without the f of rtf)"
        plugin = "rtf"
    condition:
        uint32be(0) == 0x7B5C7274
}

rule document_html : document
{
    meta:
        description = "HTML: <!DOCTYPE html, <html, <head or <script (any case) within the first 16 bytes (after a UTF-8 BOM or whitespace)"
        plugin = "html"
    condition:
        for any i in (0..16) : (
            (uint16be(i) == 0x3C21 and (uint32be(i + 2) | 0x20202020) == 0x646F6374 and (uint32be(i + 6) | 0x20202020) == 0x79706520 and
                (uint32be(i + 10) | 0x20202020) == 0x68746D6C) or
            ((uint32be(i) | 0x00202020) == 0x3C68746D and (uint8(i + 4) | 0x20) == 0x6C) or
            ((uint32be(i) | 0x00202020) == 0x3C686561 and (uint8(i + 4) | 0x20) == 0x64) or
            ((uint32be(i) | 0x00202020) == 0x3C736372 and (uint16be(i + 4) | 0x2020) == 0x6970 and (uint8(i + 6) | 0x20) == 0x74)
        )
}

// ---------------------------------------------------------------- email -> smtp

rule email_rfc5322 : email
{
    meta:
        description = "RFC 5322 email (.eml): starts with a header field that commonly opens a message (exact case), an mbox From_ line, or Outlook's saved-headers banner"
        plugin = "smtp"
    condition:
        // Received: / received: / Received-SPF:
        ((uint32be(0) == 0x52656365 or uint32be(0) == 0x72656365) and uint32be(4) == 0x69766564 and (uint8(8) == 0x3A or uint8(8) == 0x2D))
        // Return-Path: / Return-path:
        or (uint32be(0) == 0x52657475 and (uint32be(4) == 0x726E2D50 or uint32be(4) == 0x726E2D70) and uint32be(8) == 0x6174683A)
        // Resent-From: / Resent-Date: ...
        or (uint32be(0) == 0x52657365 and uint16be(4) == 0x6E74 and uint8(6) == 0x2D)
        // Delivered-To:
        or (uint32be(0) == 0x44656C69 and uint32be(4) == 0x76657265 and uint32be(8) == 0x642D546F and uint8(12) == 0x3A)
        // From: / From_ (mbox separator "From ")
        or (uint32be(0) == 0x46726F6D and (uint8(4) == 0x3A or uint8(4) == 0x20))
        // To:
        or (uint16be(0) == 0x546F and uint8(2) == 0x3A)
        // Date:
        or (uint32be(0) == 0x44617465 and uint8(4) == 0x3A)
        // Subject:
        or (uint32be(0) == 0x5375626A and uint32be(4) == 0x6563743A)
        // Reply-To:
        or (uint32be(0) == 0x5265706C and uint32be(4) == 0x792D546F and uint8(8) == 0x3A)
        // MIME-Version:
        or (uint32be(0) == 0x4D494D45 and uint32be(4) == 0x2D566572 and uint32be(8) == 0x73696F6E and uint8(12) == 0x3A)
        // Message-ID: / Message-Id:
        or (uint32be(0) == 0x4D657373 and uint32be(4) == 0x6167652D and (uint16be(8) == 0x4944 or uint16be(8) == 0x4964) and uint8(10) == 0x3A)
        // Content-Type:
        or (uint32be(0) == 0x436F6E74 and uint32be(4) == 0x656E742D and uint32be(8) == 0x54797065 and uint8(12) == 0x3A)
        // DKIM-... / ARC-... / Authentication-Results:
        or (uint32be(0) == 0x444B494D and uint8(4) == 0x2D)
        or uint32be(0) == 0x4152432D
        or (uint32be(0) == 0x41757468 and uint32be(4) == 0x656E7469 and uint32be(8) == 0x63617469 and uint32be(12) == 0x6F6E2D52)
        // X-<letter> (X-Mozilla-Status, X-Apparently-To, X-Received, X-Original-To, X-Gm-...)
        or (uint16be(0) == 0x582D and ((uint8(2) >= 0x41 and uint8(2) <= 0x5A) or (uint8(2) >= 0x61 and uint8(2) <= 0x7A)))
        // "Microsoft Mail Internet Headers Version 2.0" (Outlook's saved headers)
        or (uint32be(0) == 0x4D696372 and uint32be(4) == 0x6F736F66 and uint32be(8) == 0x74204D61 and uint32be(12) == 0x696C2049)
}

rule email_tnef : email
{
    meta:
        description = "TNEF stream (winmail.dat, application/ms-tnef): signature 0x223E9F78"
        plugin = "smtp"
    condition:
        uint32(0) == 0x223E9F78
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

/*
    rxstoq default worker rules: a small, generic set that labels what a payload is and flags a
    few things an analyst usually wants to see. Replace or extend it with your own rule file
    (option `worker_rules`); `include` statements are resolved relative to the including file.

    Every rule compiles under both YARA-X and libyara 4.x.
*/

rule executable_pe : executable windows
{
    meta:
        description = "Windows PE executable (MZ header whose e_lfanew points at a PE signature)"
    condition:
        uint16(0) == 0x5A4D and uint32(0x3C) < filesize and uint32(uint32(0x3C)) == 0x00004550
}

rule executable_elf : executable linux
{
    meta:
        description = "ELF executable, shared object or core file"
    condition:
        uint32(0) == 0x464C457F
}

rule executable_macho : executable macos
{
    meta:
        description = "Mach-O executable (32/64-bit, either byte order, or a universal binary)"
    condition:
        uint32(0) == 0xFEEDFACE or uint32(0) == 0xFEEDFACF or
        uint32(0) == 0xCEFAEDFE or uint32(0) == 0xCFFAEDFE or
        // Universal binaries share CAFEBABE with Java classes; a small architecture count tells them apart.
        (uint32be(0) == 0xCAFEBABE and uint32be(4) > 0 and uint32be(4) < 20)
}

rule executable_embedded_pe : executable suspicious
{
    meta:
        description = "A PE header (MZ followed by the DOS stub text) somewhere after the start of a non-PE payload"
    strings:
        $mz_stub = { 4D 5A [58-200] 54 68 69 73 20 70 72 6F 67 72 61 6D 20 63 61 6E 6E 6F 74 }
    condition:
        uint16(0) != 0x5A4D and $mz_stub
}

rule document_pdf_javascript : document suspicious
{
    meta:
        description = "PDF document with JavaScript actions"
    strings:
        $header = "%PDF-"
        $javascript = "/JavaScript"
        $js = /\/JS[ \t\r\n\/<(\[]/
    condition:
        $header in (0..1024) and ($javascript or $js)
}

rule document_office_macros : document suspicious
{
    meta:
        description = "Office document carrying a VBA project (OLE2 storage or OOXML vbaProject.bin)"
    strings:
        $ole_vba = "_VBA_PROJECT" wide
        $ooxml_vba = "vbaProject.bin"
        $vb_name = "Attribute VB_Name"
    condition:
        (uint32be(0) == 0xD0CF11E0 and ($ole_vba or $vb_name)) or
        (uint32(0) == 0x04034B50 and $ooxml_vba)
}

rule network_url : network
{
    meta:
        description = "An http(s) URL"
    strings:
        $url = /https?:\/\/[A-Za-z0-9][A-Za-z0-9.\-]{2,252}/
    condition:
        $url
}

# The reference for peinfo's differential test: what pefile (Debian's python3-pefile) reports
# for a PE, as JSON with peinfo's key names. Usage: python3 pefile-reference.py FILE
import json
import sys

import pefile

pe = pefile.PE(sys.argv[1])
s = lambda b: b.decode("latin1") if isinstance(b, bytes) else b
out = {
    "format": "PE32+" if pe.PE_TYPE == pefile.OPTIONAL_HEADER_MAGIC_PE_PLUS else "PE32",
    "machine": pe.FILE_HEADER.Machine,
    "compile_time_epoch": pe.FILE_HEADER.TimeDateStamp,
    "characteristics": pe.FILE_HEADER.Characteristics,
    "subsystem": pe.OPTIONAL_HEADER.Subsystem,
    "entry_point": pe.OPTIONAL_HEADER.AddressOfEntryPoint,
    "image_base": pe.OPTIONAL_HEADER.ImageBase,
    "is_exe": pe.is_exe(),
    "is_dll": pe.is_dll(),
    "is_driver": pe.is_driver(),
    "sections": [
        {
            "name": s(x.Name.rstrip(b"\0")),
            "virtaddr": x.VirtualAddress,
            "virtsize": x.Misc_VirtualSize,
            "raw_size": x.SizeOfRawData,
            "entropy": x.get_entropy(),
            "md5": x.get_hash_md5(),
        }
        for x in pe.sections
    ],
    "imphash": pe.get_imphash(),
    "overlay_offset": pe.get_overlay_data_start_offset(),
}
imports = {}
for e in getattr(pe, "DIRECTORY_ENTRY_IMPORT", []):
    imports.setdefault(s(e.dll), []).extend(s(i.name) if i.name else str(i.ordinal) for i in e.imports)
out["imports"] = imports
out["exports"] = (
    [{"name": s(x.name) if x.name else None, "ordinal": x.ordinal, "address": x.address} for x in pe.DIRECTORY_ENTRY_EXPORT.symbols]
    if hasattr(pe, "DIRECTORY_ENTRY_EXPORT")
    else []
)
version = {}
for group in getattr(pe, "FileInfo", None) or []:
    for info in group:
        for table in getattr(info, "StringTable", []):
            version.update({s(k): s(v) for k, v in table.entries.items()})
out["version_info"] = version
resources = []
for t in pe.DIRECTORY_ENTRY_RESOURCE.entries if hasattr(pe, "DIRECTORY_ENTRY_RESOURCE") else []:
    for n in t.directory.entries:
        for lang in n.directory.entries:
            resources.append(
                {
                    "type_id": t.id if t.name is None else None,
                    "resource_id": n.id if n.name is None else None,
                    "language": lang.data.lang,
                    "sub_language": lang.data.sublang,
                    "address": lang.data.struct.OffsetToData,
                    "size": lang.data.struct.Size,
                }
            )
out["resources"] = resources
rich = pe.parse_rich_header()
out["rich"] = (
    {"md5": pe.get_rich_header_hash(), "sha256": pe.get_rich_header_hash("sha256"), "values": rich["values"], "checksum": rich["checksum"]}
    if rich
    else None
)
tls = []
if hasattr(pe, "DIRECTORY_ENTRY_TLS"):
    va = pe.DIRECTORY_ENTRY_TLS.struct.AddressOfCallBacks
    width = 8 if out["format"] == "PE32+" else 4
    while va:
        rva = va - pe.OPTIONAL_HEADER.ImageBase
        cb = pe.get_qword_at_rva(rva) if width == 8 else pe.get_dword_at_rva(rva)
        if not cb:
            break
        tls.append(cb)
        va += width
out["tls_callbacks"] = tls
out["debug"] = [
    {"Type": d.struct.Type, "TimeDateStamp": d.struct.TimeDateStamp, "PDB": s(getattr(d.entry, "PdbFileName", b"").rstrip(b"\0")) if d.entry else None}
    for d in getattr(pe, "DIRECTORY_ENTRY_DEBUG", [])
]
print(json.dumps(out))
